// Package awsclient builds the AWS SDK clients the functions share, the
// same way in every function, from the configuration that awsconfig loads.
// awsconfig links no service client, so that a function pays the package
// initialization of the clients it builds, and of no others.
package awsclient
