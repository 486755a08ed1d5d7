package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/keyring"
)

// stackKeys is the stack's keyring, as an operator's credentials reach it.
func stackKeys() *keyring.Keyring {
	return keyring.New(kms.NewFromConfig(stack.aws), dynamo(), output(contract.OutputKeysTable), output(contract.OutputPersonalDataKeyARN))
}

// sealedContact seals a new person's contact under a data key kept in the
// stack's keys table, as the user service does, and returns them.
func sealedContact(t *testing.T, c events.Contact) events.Person {
	t.Helper()
	keys := stackKeys()
	k, err := keys.New(context.Background(), uuid.NewString())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dynamo().TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{keys.Put(k)}}); err != nil {
		t.Fatal(err)
	}
	sealed, err := keyring.Seal(k, c)
	if err != nil {
		t.Fatal(err)
	}
	return events.Person{UserID: k.Subject(), Contact: sealed}
}

// found is where a scan found a value.
type found struct{ where, what string }

// scanForClear reads every item of every table and every message waiting
// in every queue of the stack, and the functions' log lines since mark,
// and reports where any of values appears, case aside.
func scanForClear(t *testing.T, mark int64, values map[string]string) []found {
	t.Helper()
	ctx := context.Background()
	var out []found
	look := func(where string, blob []byte) {
		lower := bytes.ToLower(blob)
		for what, v := range values {
			if bytes.Contains(lower, bytes.ToLower([]byte(v))) {
				out = append(out, found{where, what})
			}
		}
	}
	tables, err := dynamo().ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tables.TableNames {
		p := dynamodb.NewScanPaginator(dynamo(), &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("scan %s: %v", table, err)
			}
			for _, item := range page.Items {
				var m map[string]any
				if err := attributevalue.UnmarshalMap(item, &m); err != nil {
					t.Fatal(err)
				}
				look("table "+table, []byte(fmt.Sprint(m)))
			}
		}
	}
	queues, err := sqsClient().ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queues.QueueUrls {
		// A glance that hides nothing for long: what is waiting, shown
		// and at once visible again.
		msgs, err := sqsClient().ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 10,
			VisibilityTimeout: 0, MessageAttributeNames: []string{"All"}})
		if err != nil {
			t.Fatalf("receive from %s: %v", q, err)
		}
		for _, m := range msgs.Messages {
			look("queue "+q[strings.LastIndex(q, "/")+1:], []byte(fmt.Sprint(aws.ToString(m.Body), m.MessageAttributes)))
		}
	}
	if mark >= 0 {
		b, err := os.ReadFile(stack.logPath)
		if err != nil {
			t.Fatal(err)
		}
		look("function logs", b[mark:])
	}
	return out
}

// TestNoTableQueueOrLogHoldsAResetTokenOrAContactInClear goes through
// every flow that carries a person's contact or a secret — registration,
// a password reset, an order placed, shipped and cancelled — and then
// looks for the mailed token, the address and the name in every table,
// queue and log line of the stack.
func TestNoTableQueueOrLogHoldsAResetTokenOrAContactInClear(t *testing.T) {
	mark := logMark(t)
	name := "Hedy Lamarr " + uuid.NewString()[:6]
	u := customerAt(t, uniqueEmail("hedy"), name)
	decode[struct{}](t, call(t, http.MethodPost, "/users/"+u.UserID+"/password-reset", nil), http.StatusAccepted)
	shipped := confirmedOrder(t, u.UserID)
	decode[order](t, call(t, http.MethodPost, "/orders/"+shipped.OrderID+"/ship", parcel), http.StatusOK)
	cancelled := confirmedOrder(t, u.UserID)
	decode[order](t, call(t, http.MethodPost, "/orders/"+cancelled.OrderID+"/cancel", nil), http.StatusOK)

	mails := waitForMail(t, u.Email, 6, nil) // welcome, reset, two confirmations, shipped, cancelled
	var token string
	for _, m := range mails {
		if l := resetLink.FindStringSubmatch(m.Text); l != nil {
			token, _ = url.QueryUnescape(l[1])
		}
	}
	if token == "" {
		t.Fatal("no reset link mailed")
	}
	assertMailsOnceDrained(t, u.Email, nil, 6)
	got := decode[user](t, call(t, http.MethodGet, "/users/"+u.UserID, nil), http.StatusOK)
	if got.Email != u.Email || got.Name != name {
		t.Errorf("the user reads back as %+v", got)
	}

	for _, f := range scanForClear(t, mark, map[string]string{"the reset token": token, "the email": u.Email, "the name": name}) {
		t.Errorf("%s holds %s in clear", f.where, f.what)
	}
}

func TestAForgottenUserIsGoneEverywhereWhileTheirEventsStillRead(t *testing.T) {
	mark := logMark(t)
	name := "Ada Forgotten " + uuid.NewString()[:6]
	u := customerAt(t, uniqueEmail("forgotten"), name)
	placed := confirmedOrder(t, u.UserID)
	waitForMail(t, u.Email, 2, nil) // welcome and confirmation

	r := call(t, http.MethodDelete, "/users/"+u.UserID, nil)
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("DELETE /users/%s = %d %s, want 204 and no body", u.UserID, r.status, r.body)
	}
	if e := decode[apiError](t, call(t, http.MethodDelete, "/users/"+u.UserID, nil), http.StatusNotFound); e.Error != "not_found" {
		t.Errorf("forgetting twice: %+v", e)
	}
	decode[apiError](t, call(t, http.MethodGet, "/users/"+u.UserID, nil), http.StatusNotFound)
	decode[apiError](t, call(t, http.MethodPost, "/users/"+u.UserID+"/password-reset", nil), http.StatusNotFound)

	// The order service purges its customer, and takes no order for them.
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := call(t, http.MethodPost, "/orders", books(u.UserID))
		if r.status == http.StatusUnprocessableEntity {
			break
		}
		if r.status != http.StatusCreated || time.Now().After(deadline) {
			t.Fatalf("an order for a forgotten user: %d %s", r.status, r.body)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Their order still reads, changes and shows its history, the
	// customer redacted; the cancellation mails nobody.
	decode[order](t, call(t, http.MethodPost, "/orders/"+placed.OrderID+"/cancel", nil), http.StatusOK)
	h := decode[history](t, call(t, http.MethodGet, "/orders/"+placed.OrderID+"/events", nil), http.StatusOK)
	if len(h.Events) != 5 {
		t.Fatalf("history of %d events", len(h.Events))
	}
	for _, e := range h.Events {
		if e.Envelope.EventType == events.TypeOrderPaymentAuthorized || e.Envelope.EventType == events.TypeOrderStockReserved {
			continue // the checkout's halves hold no customer
		}
		if !strings.Contains(string(e.Envelope.Data), `"contact":"`+keyring.Redacted+`"`) || strings.Contains(string(e.Envelope.Data), u.Email) {
			t.Errorf("%s reads as %s, want the customer redacted", e.Envelope.EventType, e.Envelope.Data)
		}
	}

	// A replay of everything they caused mails nobody and brings nothing
	// back.
	run(t, "replay", contract.UserStream.ID(u.UserID))
	run(t, "replay", contract.OrderStream.ID(placed.OrderID))
	assertMailsOnceDrained(t, u.Email, nil, 2)
	if mark >= 0 {
		if n := waitForMetric(t, mark, "notification", "EventsSkipped", map[string]string{"Consumer": "notification", "EventType": events.TypeOrderCancelled}, 1); n < 1 {
			t.Error("the cancellation of a forgotten customer's order was not skipped")
		}
	}
	out, err := dynamo().GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(output(contract.OutputCustomersTable)),
		Key:       map[string]types.AttributeValue{contract.CustomersKey: &types.AttributeValueMemberS{Value: u.UserID}},
	})
	if err != nil || slices.Contains(mapKeys(out.Item), contract.CustomersContact) {
		t.Errorf("the customers table keeps %v after the user was forgotten and their registration replayed (%v)", out.Item, err)
	}

	// Their stream still reads, redacted, and nothing holds their contact.
	history := run(t, "history", contract.UserStream.ID(u.UserID))
	if !strings.Contains(history, events.TypeUserForgotten) || !strings.Contains(history, keyring.Redacted) || strings.Contains(history, u.Email) {
		t.Errorf("evctl history of the forgotten user:\n%s", history)
	}
	for _, f := range scanForClear(t, mark, map[string]string{"the email": u.Email, "the name": name}) {
		t.Errorf("%s holds %s in clear after the user was forgotten", f.where, f.what)
	}

	// The address is free again.
	again := register(t, u.Email, "Ada Again")
	if again.UserID == u.UserID {
		t.Error("a new registration got the forgotten user's id")
	}
}

func mapKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
