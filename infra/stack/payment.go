package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/eventshop/eventshop/contract"
)

// PaymentService takes orders' payments with the payment provider: the
// topology feeds it order events. The stack uses the simulated provider
// inside the function (contract.SimulatedProvider), so the service needs
// nothing but its streams; the local stack's fault proxy serves a
// provider's API too, which tests point the function at.
type PaymentService struct {
	constructs.Construct
	Function awslambda.Function
}

// NewPaymentService declares the payment function, which reads and
// appends its own streams, payment-<orderId>, alone.
func NewPaymentService(scope constructs.Construct, id string, cfg Config, eventStore awsdynamodb.ITable) *PaymentService {
	c := constructs.NewConstruct(scope, &id)
	fn := newFunction(c, "Function", cfg, contract.Payment, map[contract.Var]*string{
		contract.EnvEventsTable:     eventStore.TableName(),
		contract.EnvPaymentProvider: jsii.String(contract.SimulatedProvider),
	})
	grantStreams(fn, contract.Payment, eventStore, "dynamodb:PutItem", "dynamodb:ConditionCheckItem", "dynamodb:Query")
	return &PaymentService{Construct: c, Function: fn}
}
