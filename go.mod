module github.com/eventshop/eventshop

go 1.26.0

require (
	github.com/aws/aws-lambda-go v1.55.1
	github.com/google/uuid v1.6.0
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	golang.org/x/text v0.14.0
)

require github.com/stretchr/testify v1.12.1 // indirect
