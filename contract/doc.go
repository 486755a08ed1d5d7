// Package contract names what the stack and the code deployed in it must
// agree on: the functions and the environment each reads, the routes each
// serves, the tables' attribute and index names, the stack's outputs, the
// topology of subscriptions, and the metadata the local runner reads.
//
// The CDK stack (infra/stack), the functions, the local runner and evctl all
// import these names instead of spelling them, so that a test can check
// that what the stack sets is what a function reads. It imports nothing of
// eventshop's but the event catalogue, and its package initialization
// builds two small maps and nothing else: every function's cold start
// pays for it.
package contract
