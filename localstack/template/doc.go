// Package template reads a synthesized CloudFormation template and does
// the part of CloudFormation's work that does not touch AWS: ordering
// resources by their dependencies and resolving intrinsic functions.
package template
