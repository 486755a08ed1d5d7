// Package provision does CloudFormation's job for the local stack: it
// creates a synthesized template's resources in the emulator through the
// AWS SDK, in dependency order, and resolves the template's references and
// outputs along the way. A resource type, or a property, that it does not
// know is an error that names it, never silently skipped.
package provision
