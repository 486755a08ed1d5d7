package contract

import "slices"

// MetricsNamespace is the CloudWatch namespace of every metric the
// functions emit.
const MetricsNamespace = "eventshop"

// Dimensions of the functions' metrics. Every metric has DimService.
const (
	DimService   = "Service"
	DimConsumer  = "Consumer"
	DimEventType = "EventType"
	DimCurrency  = "Currency"
	DimTemplate  = "Template"
	DimReason    = "Reason"
)

// Metric is a metric the functions emit and the dashboard and the alarms
// read. CloudWatch knows a metric by its whole set of dimensions, so both
// sides use Dimensions.
type Metric string

// The functions' metrics.
const (
	EventsPublished       Metric = "EventsPublished"
	EventsNotPublished    Metric = "EventsNotPublished"
	EventsConsumed        Metric = "EventsConsumed"
	EventsFailed          Metric = "EventsFailed"
	EventsRetried         Metric = "EventsRetried"
	EventsDeadLettered    Metric = "EventsDeadLettered"
	EventsDuplicated      Metric = "EventsDuplicated"
	EventsSkipped         Metric = "EventsSkipped"
	FollowUpsFailed       Metric = "FollowUpsFailed"
	ProcessingLag         Metric = "ProcessingLag"
	UsersRegistered       Metric = "UsersRegistered"
	PasswordResetsStarted Metric = "PasswordResetsStarted"
	UsersForgotten        Metric = "UsersForgotten"
	OrdersPlaced          Metric = "OrdersPlaced"
	OrderValue            Metric = "OrderValue"
	OrdersCancelled       Metric = "OrdersCancelled"
	OrdersConfirmed       Metric = "OrdersConfirmed"
	OrdersRejected        Metric = "OrdersRejected"
	OrdersExpired         Metric = "OrdersExpired"
	MailsSent             Metric = "MailsSent"
	MailsSuppressed       Metric = "MailsSuppressed"
	RecipientsSuppressed  Metric = "RecipientsSuppressed"
)

var (
	relayDims    = []string{DimService, DimEventType}
	consumerDims = []string{DimService, DimConsumer, DimEventType}
	orderDims    = []string{DimService, DimCurrency}
	metricDims   = map[Metric][]string{
		EventsPublished: relayDims, EventsNotPublished: relayDims,
		EventsConsumed: consumerDims, EventsFailed: consumerDims, EventsRetried: consumerDims, EventsDeadLettered: consumerDims,
		EventsDuplicated: consumerDims, EventsSkipped: consumerDims, FollowUpsFailed: consumerDims, ProcessingLag: consumerDims,
		UsersRegistered: {DimService}, PasswordResetsStarted: {DimService}, UsersForgotten: {DimService},
		OrdersPlaced: orderDims, OrderValue: orderDims, OrdersCancelled: orderDims,
		OrdersConfirmed: orderDims, OrdersRejected: {DimService, DimReason}, OrdersExpired: orderDims,
		MailsSent: {DimService, DimTemplate}, MailsSuppressed: {DimService, DimTemplate},
		RecipientsSuppressed: {DimService, DimReason},
	}
)

// Dimensions are the dimensions m is emitted with, Service first. A
// metric that is not one of the functions' has none.
func (m Metric) Dimensions() []string { return slices.Clone(metricDims[m]) }
