// Package checkout finds the eventshop checkout that the local stack builds
// from, wherever the runner or a test was started inside it.
package checkout
