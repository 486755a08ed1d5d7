package main

import (
	"fmt"
	"strings"
)

// Cost and capacity on paper: what one million orders cost at list price
// on AWS, and the throughput at which each default quota stops the stack.
// What is counted per flow is read from the code (the calls each handler
// makes, the events each step appends, the topology's subscriptions);
// the Lambda durations come from the CPU time measured in section 2.

// price is a list price in us-east-1, with where and when it was read.
type price struct {
	what  string
	usd   float64 // per unit
	unit  string
	since string // the date of the price, as AWS's pricing page gives it
}

// Prices, us-east-1, on-demand, without free tiers. They were read from
// the AWS pricing pages (aws.amazon.com/<service>/pricing) as of the date
// beside each; this machine has no access to them, so make bench does not
// re-read them: check them before relying on a figure.
var (
	priceLambdaGBs  = price{"Lambda duration, arm64, first 7.5 billion GB-s a month", 0.0000133334, "GB-s", "2022-10 (tiered pricing)"}
	priceLambdaReq  = price{"Lambda requests", 0.20 / 1e6, "requests", "2020-12"}
	priceHTTPAPI    = price{"API Gateway HTTP API, first 300 million a month", 1.00 / 1e6, "requests", "2020-03"}
	priceEventBus   = price{"EventBridge custom events published (64 KB chunks)", 1.00 / 1e6, "events", "2019-07"}
	priceSQS        = price{"SQS standard requests (64 KB chunks)", 0.40 / 1e6, "requests", "2019"}
	priceDynamoWRU  = price{"DynamoDB on-demand write request units", 0.625 / 1e6, "WRU", "2024-11-01"}
	priceDynamoRRU  = price{"DynamoDB on-demand read request units", 0.125 / 1e6, "RRU", "2024-11-01"}
	priceSES        = price{"SES outbound mail", 0.10 / 1000, "mails", "2023-08"}
	priceKMSRequest = price{"KMS requests (symmetric)", 0.03 / 10000, "requests", "2014-11"}
)

// step is one handler's part in an order's flow, with what it uses.
type step struct {
	what         string
	api          float64 // HTTP API requests
	invocations  float64 // Lambda invocations of an API function
	messages     float64 // SQS messages a consumer handles (batches of 10)
	awsCalls     float64 // AWS calls made, one after the other, for one request or message
	wru, rru     float64 // DynamoDB request units
	kms, mails   float64
	eventsOut    float64 // events appended, which the relay publishes
	deliveriesIn float64 // SQS deliveries (EventBridge → queue)
}

// orderFlow is one order, happy path: the customer registers, places an
// order, payment authorizes it and inventory reserves it, the order is
// confirmed, and the welcome and confirmation mails go out. WRU: a
// transactional write costs 2 per item of up to 1 KB, a plain write 1; a
// consumer's idempotency claim and completion are two plain writes. RRU:
// strongly consistent reads of under 4 KB, 1 each. DynamoDB Streams reads
// by Lambda are free.
var orderFlow = []step{
	{what: "POST /users (user): new data key, transaction of the user row, the email's claim and user.registered", api: 1, invocations: 1, awsCalls: 2, wru: 6, kms: 1, eventsOut: 1},
	{what: "user.registered → notification: the welcome mail (calls as measured in section 2)", messages: 1, awsCalls: 7, wru: 4, rru: 2, kms: 1, mails: 1, eventsOut: 1, deliveriesIn: 1},
	{what: "user.registered → customers: the projection row", messages: 1, awsCalls: 3, wru: 3, deliveriesIn: 1},
	{what: "POST /orders (order): the customer, its key, order.placed", api: 1, invocations: 1, awsCalls: 4, wru: 2, rru: 2, kms: 1, eventsOut: 1},
	{what: "order.placed → payment: authorize, payment.authorized", messages: 1, awsCalls: 4, wru: 4, rru: 1, eventsOut: 1, deliveriesIn: 1},
	{what: "order.placed → reservations: stock row and stock.reserved in one transaction", messages: 1, awsCalls: 4, wru: 6, rru: 1, eventsOut: 1, deliveriesIn: 1},
	{what: "order.placed → deadline (after the deadline: the order was decided, nothing written)", messages: 1, awsCalls: 3, wru: 2, rru: 1, deliveriesIn: 1},
	{what: "payment.authorized → outcomes: order.paymentAuthorized", messages: 1, awsCalls: 4, wru: 4, rru: 1, eventsOut: 1, deliveriesIn: 1},
	{what: "stock.reserved → outcomes: order.stockReserved and order.confirmed", messages: 1, awsCalls: 4, wru: 6, rru: 1, eventsOut: 2, deliveriesIn: 1},
	{what: "order.confirmed → notification: the confirmation mail", messages: 1, awsCalls: 7, wru: 4, rru: 2, kms: 1, mails: 1, eventsOut: 1, deliveriesIn: 1},
	{what: "order.confirmed → reservations: stock sold", messages: 1, awsCalls: 4, wru: 6, rru: 1, eventsOut: 1, deliveriesIn: 1},
}

// Assumptions of the model, beside what was measured.
const (
	lambdaMemoryGB  = 0.25         // infra/stack: every function has 256 MB
	vCPUShare       = 256.0 / 1769 // Lambda gives a full vCPU at 1,769 MB, and a share in proportion below
	awsCallSeconds  = 0.008        // assumed: one DynamoDB, KMS or SES round trip from Lambda, on average
	consumerBatch   = 10           // infra/stack: SQS batches of 10, full under sustained load
	relayBatch      = 100          // infra/stack: stream batches of 100
	relayEventsCall = 10           // PutEvents entries a call (section 2 measures 0.1 calls per event)
	sqsPerMessage   = 1.2          // EventBridge's SendMessage, then the event source mapping's receive and delete, a tenth each in batches of 10
)

// costModel is the cost of one million orders, line by line.
type costLine struct {
	what    string
	units   float64 // per order
	p       price
	formula string
}

// costWarm is the consumer's warm cost the model takes: over the
// loopback, when measured, as its calls on Lambda go over the network and
// cost CPU there; otherwise in process, which leaves that out.
func (r report) costWarm() (warmMedians, string) {
	if e, ok := r.warm("eventshop" + loopbackSuffix); ok {
		return e, "its AWS calls answered over the loopback: on Lambda they go over the network, TLS included"
	}
	e, _ := r.warm("eventshop")
	return e, "its AWS calls answered in process: the cost of their sockets, and of TLS on Lambda, left out"
}

func (r report) costLines() (lines []costLine, gbs map[string]float64) {
	var api, invocations, messages, wru, rru, kms, mails, eventsOut, deliveries, apiSeconds, consumerCalls float64
	for _, s := range orderFlow {
		api += s.api
		invocations += s.invocations
		messages += s.messages
		wru, rru, kms, mails = wru+s.wru, rru+s.rru, kms+s.kms, mails+s.mails
		eventsOut += s.eventsOut
		deliveries += s.deliveriesIn
		if s.invocations > 0 {
			apiSeconds += s.awsCalls * awsCallSeconds
		}
		if s.messages > 0 {
			consumerCalls = max(consumerCalls, s.awsCalls)
		}
	}
	e, _ := r.costWarm()
	cpu := e.CPU / 1e9 // seconds of one core a message, measured
	// A batch's messages run concurrently: its duration is their CPU at
	// Lambda's share of a core, plus the longest chain of round trips.
	batchSeconds := consumerBatch*cpu/vCPUShare + consumerCalls*awsCallSeconds
	apiFnSeconds := invocations * cpu / vCPUShare // each API request, as much CPU as a consumer's message
	relayInvocations := eventsOut / relayBatch
	relaySeconds := relayInvocations * (r.Bench["BenchmarkRelayBurst"].Metrics["ns/event"]*relayBatch/1e9/vCPUShare + relayBatch/relayEventsCall*awsCallSeconds)
	gbs = map[string]float64{
		"consumers": messages / consumerBatch * batchSeconds * lambdaMemoryGB,
		"api":       (apiFnSeconds + apiSeconds) * lambdaMemoryGB,
		"relay":     relaySeconds * lambdaMemoryGB,
	}
	totalGBs := gbs["consumers"] + gbs["api"] + gbs["relay"]
	lambdaRequests := invocations + messages/consumerBatch + relayInvocations
	lines = []costLine{
		{"Lambda duration", totalGBs, priceLambdaGBs, fmt.Sprintf("0.25 GB × (consumers: %.0f messages ÷ %d × %.0f ms a batch; API: %.0f requests × %.0f ms; relay: %.2f invocations × %.0f ms)",
			messages, consumerBatch, batchSeconds*1000, invocations, (apiFnSeconds+apiSeconds)/invocations*1000, relayInvocations, relaySeconds/relayInvocations*1000)},
		{"Lambda requests", lambdaRequests, priceLambdaReq, fmt.Sprintf("%.0f API + %.0f messages ÷ %d + %.0f events ÷ %d", invocations, messages, consumerBatch, eventsOut, relayBatch)},
		{"API Gateway HTTP API", api, priceHTTPAPI, "POST /users + POST /orders"},
		{"EventBridge events", eventsOut, priceEventBus, fmt.Sprintf("%.0f events appended and published by the relay", eventsOut)},
		{"SQS requests", deliveries * sqsPerMessage, priceSQS, fmt.Sprintf("%.0f deliveries × %.1f requests", deliveries, sqsPerMessage)},
		{"DynamoDB writes", wru, priceDynamoWRU, "sum of the steps' WRU"},
		{"DynamoDB reads", rru, priceDynamoRRU, "sum of the steps' RRU"},
		{"SES mails", mails, priceSES, "welcome + confirmation"},
		{"KMS requests", kms, priceKMSRequest, "a data key at registration, one decrypt per person per invocation"},
	}
	return lines, gbs
}

func (r report) costSection() string {
	if _, ok := r.warm("eventshop"); !ok {
		return "Not computed: the warm part did not run.\n"
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	lines, gbs := r.costLines()
	p("One order, happy path (`bench/cost.go`): the customer registers, places an order, payment authorizes it and inventory reserves it, the order is confirmed, the welcome and the confirmation mails go out. Which consumer gets which event is the topology's (`contract/topology.go`); the notification consumer's calls are the ones section 2 counted; the other steps' calls and request units are read from their handlers' code, to the nearest call — a model, not a bill.\n\n")
	p("| step | HTTP | SQS messages | AWS calls | WRU | RRU | KMS | mails | events out |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range orderFlow {
		p("| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |\n", s.what, s.api, s.messages, s.awsCalls, s.wru, s.rru, s.kms, s.mails, s.eventsOut)
	}
	e, how := r.costWarm()
	p("\nLambda durations come from what section 2 measured: %.0f µs of CPU a consumer message on this machine's core (%s), divided by the share of a vCPU Lambda gives 256 MB (256/1,769: Lambda gives a full vCPU at 1,769 MB), plus %.0f ms a round trip to AWS (an assumption, not a measurement); the messages of a batch of %d run concurrently, so a batch waits for one chain of round trips. An API request is taken to cost as much CPU as a consumer's message.\n\n",
		e.CPU/1000, how, awsCallSeconds*1000, consumerBatch)
	p("List prices, us-east-1, without free tiers, as AWS's pricing pages gave them on the date beside each; this report does not re-read them: check them before relying on the figures.\n\n")
	p("| item | per order | formula | price | since | per million orders |\n|---|---|---|---|---|---|\n")
	var total float64
	for _, l := range lines {
		usd := l.units * l.p.usd * 1e6
		total += usd
		per := fmt.Sprintf("$%.4g per million %s", l.p.usd*1e6, l.p.unit)
		if l.p.unit == "GB-s" {
			per = fmt.Sprintf("$%.10g per GB-s", l.p.usd)
		}
		p("| %s | %.4g %s | %s | %s | %s | $%.2f |\n", l.what, l.units, l.p.unit, l.formula, per, l.p.since, usd)
	}
	p("| **total** | | | | | **$%.2f** |\n\n", total)
	mail := lines[7].units * lines[7].p.usd * 1e6
	p("Reading: **$%.0f per million orders**, of which SES is %.0f %%; Lambda, the part eventshop's own code decides, is $%.2f (%.3f GB-s an order). Not counted: CloudWatch Logs ($0.50 per GB ingested; about one line a message), X-Ray traces (tracing is active; $5 per million traces recorded, after 100,000 free a month, at the default sampling of one a second and 5 %% beyond), the long polls of the idle SQS event source mappings, storage, and data transfer.\n\n",
		total, 100*mail/total, lines[0].units*lines[0].p.usd*1e6+lines[1].units*lines[1].p.usd*1e6, gbs["consumers"]+gbs["api"]+gbs["relay"])

	var eventsOut, deliveries, wruEvents, mails float64
	for _, s := range orderFlow {
		eventsOut, deliveries, mails = eventsOut+s.eventsOut, deliveries+s.deliveriesIn, mails+s.mails
	}
	wruEvents = 2 * eventsOut // each event, one transactional item of the event store
	concurrencyPerOrder := gbs["consumers"]/lambdaMemoryGB + gbs["api"]/lambdaMemoryGB + gbs["relay"]/lambdaMemoryGB
	p("**Capacity: where each default quota stops the stack** (orders a second, from the counts above; the default quotas as AWS documents them for us-east-1; smaller regions have lower ones):\n\n")
	p("| quota (default) | per order | limit | first raise |\n|---|---|---|---|\n")
	p("| SES sending rate: 1 mail/s and 200 a day in the sandbox; a production account typically starts at 14 mails/s and 50,000 a day | %.0f mails | **%.0f orders/s** (%.0f orders a day) in production, 0.5/s in the sandbox | **1st**: leave the sandbox and ask for the rate and daily quota the launch needs; SES raises them on request |\n",
		mails, 14/mails, 50000/mails)
	p("| DynamoDB on-demand, a new table: 4,000 WRU/s at once, doubling the previous peak within 30 min; a partition: 1,000 WRU/s | event store %.0f WRU; a SKU's stock row 4 WRU (reserve, sell) | **%.0f orders/s** on a new event store; **250 orders/s of one SKU** | 2nd: set the event store's and the idempotency table's warm throughput before a launch; a best-seller's stock row is one partition: shard it if one product sells faster |\n",
		wruEvents, 4000/wruEvents)
	p("| EventBridge PutEvents: 10,000 a second, read here as entries, the stricter reading (if AWS counts requests, the relay's 10 entries a call make it ten times more) | %.0f events, %.1f calls | **%.0f orders/s** | 3rd: ask for a higher PutEvents quota |\n", eventsOut, eventsOut/relayEventsCall, 10000/eventsOut)
	p("| EventBridge target invocations: 18,750 a second | %.0f deliveries | %.0f orders/s | with PutEvents |\n", deliveries, 18750/deliveries)
	p("| DynamoDB on-demand, a table's ceiling: 40,000 WRU/s | event store %.0f WRU | %.0f orders/s | with the warm throughput, a table quota increase |\n", wruEvents, 40000/wruEvents)
	p("| Lambda concurrency: 1,000 an account and region (new accounts may start lower) | %.3f s of execution | **%.0f orders/s** | 4th: a concurrency quota increase; the consumers' batches of 10 already divide their share by ten |\n\n",
		concurrencyPerOrder, 1000/concurrencyPerOrder)
	p("Reading: the mail is the first limit by far, then a new table's throughput and a single best-selling product; Lambda concurrency, which most capacity plans start with, comes last, because the consumers take their messages ten at a time and eventshop's cost per message is small.\n")
	return b.String()
}
