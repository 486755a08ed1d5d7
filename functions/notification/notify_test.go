package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sesv2types "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/events/eventstest"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/boot"
	"github.com/eventshop/eventshop/functions/internal/boot/boottest"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/internal/idempotency"
	"github.com/eventshop/eventshop/functions/internal/metrics"
	"github.com/eventshop/eventshop/functions/internal/secret"
	"github.com/eventshop/eventshop/keyring"
	"github.com/eventshop/eventshop/keyring/keyringtest"
)

// fakeMailer records mail; it fails for addresses in fail.
type fakeMailer struct {
	sent []Mail
	fail map[string]error
}

func (m *fakeMailer) Send(_ context.Context, mail Mail) (string, error) {
	if err := m.fail[mail.To]; err != nil {
		return "", err
	}
	m.sent = append(m.sent, mail)
	return "msg-" + mail.Template, nil
}

// sample is the catalogue's sample of an event type's latest version.
func sample(t *testing.T, eventType string) events.Envelope {
	t.Helper()
	return eventstest.Latest(t, eventType)
}

// notify hands env to the notifier's routes, as its consumer does.
func (n *Notifier) notify(ctx context.Context, env events.Envelope) (consumer.Result, error) {
	return n.Routes().Handle(ctx, env)
}

// sampleToken is the token the sample password reset carries encrypted.
var sampleToken = strings.Repeat("x", 43)

// fakeTokens stands for the reset token key: it opens the ciphertexts it
// knows, as KMS would.
type fakeTokens map[string]string

func (f fakeTokens) Open(_ context.Context, _ string, s events.Secret) (string, error) {
	if len(s.Ciphertext) == 0 {
		if s.Legacy != "" {
			return s.Legacy, nil
		}
		return "", secret.ErrMissing
	}
	token, ok := f[string(s.Ciphertext)]
	if !ok {
		return "", &smithy.GenericAPIError{Code: "InvalidCiphertextException", Fault: smithy.FaultClient}
	}
	return token, nil
}

// newNotifier returns a notifier whose keyring holds the samples' data
// key and whose tokens open the sample reset's.
func newNotifier(t *testing.T) (*Notifier, *fakeMailer, *eventstore.Memory) {
	mailer, store := &fakeMailer{}, eventstore.NewMemory()
	return notifier(t, mailer, store), mailer, store
}

func notifier(t *testing.T, mailer Mailer, store Recorder) *Notifier {
	reset, _ := events.Decode[events.UserPasswordReset](eventstest.Latest(t, events.TypeUserPasswordReset))
	return &Notifier{mail: mailer, events: store, keys: keyringtest.Samples(t),
		resetTokens: fakeTokens{string(reset.Token.Ciphertext): sampleToken}, resetURL: "https://shop.example/reset"}
}

// fresh is the sample of a type's latest version, but a reset's expiry is
// an hour from now.
func fresh(t *testing.T, eventType string) events.Envelope {
	env := sample(t, eventType)
	if eventType == events.TypeUserPasswordReset {
		p, _ := events.Decode[events.UserPasswordReset](env)
		p.ExpiresAt = time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		env.Data, _ = json.Marshal(p)
	}
	return env
}

func TestEachEventSendsItsMail(t *testing.T) {
	tests := []struct {
		event    string
		template string
		subject  string
		bodyHas  []string
	}{
		{events.TypeUserRegistered, "welcome", "Welcome to eventshop", []string{"Ada Lovelace", "ada@example.com", "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e"}},
		{events.TypeUserPasswordReset, "password-reset", "Reset your eventshop password", []string{"https://shop.example/reset?token=" + sampleToken, "Ada Lovelace", "ada@example.com"}},
		{events.TypeOrderConfirmed, "order-confirmation", "Your eventshop order 9a8b7c6d", []string{"BOOK-42", "19.99 EUR", "39.98 EUR", "PEN-1", "2.50 EUR", "42.48 EUR"}},
		{events.TypeOrderRejected, "order-rejected", "Your eventshop order 9a8b7c6d could not be completed", []string{"not have enough of BOOK-42", "Nothing was charged"}},
		{events.TypeOrderExpired, "order-expired", "Your eventshop order 9a8b7c6d could not be completed", []string{"in time", "Nothing was charged"}},
		{events.TypeOrderCancelled, "order-cancellation", "Your eventshop order 9a8b7c6d is cancelled", []string{"42.48 EUR", "changed my mind"}},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			n, mailer, _ := newNotifier(t)
			result, err := n.notify(context.Background(), fresh(t, tt.event))
			if err != nil {
				t.Fatal(err)
			}
			if result.Effect != "msg-"+tt.template {
				t.Errorf("result = %q, want the mail's message id", result)
			}
			if len(mailer.sent) != 1 {
				t.Fatalf("sent %d mails", len(mailer.sent))
			}
			m := mailer.sent[0]
			if m.To != "ada@example.com" || m.Template != tt.template || m.Subject != tt.subject {
				t.Errorf("mail to %q from %q about %q", m.To, m.Template, m.Subject)
			}
			for _, body := range []string{m.Text, m.HTML} {
				for _, want := range tt.bodyHas {
					if !strings.Contains(body, strings.ReplaceAll(want, "&", "&amp;")) {
						t.Errorf("body lacks %q:\n%s", want, body)
					}
				}
			}
		})
	}
}

func TestEveryMailSentIsRecordedAsCausedByItsEvent(t *testing.T) {
	n, _, store := newNotifier(t)
	env := sample(t, events.TypeOrderConfirmed)
	if _, err := n.notify(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	records, err := store.Load(context.Background(), contract.NotificationStream.ID(env.EventID), 1)
	if err != nil || len(records) != 1 {
		t.Fatalf("recorded %d events, %v", len(records), err)
	}
	sent := records[0].Envelope
	if sent.EventType != events.TypeNotificationSent || sent.Metadata.CausationID != env.EventID || sent.Metadata.CorrelationID != env.Metadata.CorrelationID {
		t.Errorf("recorded %s caused by %s in flow %s", sent.EventType, sent.Metadata.CausationID, sent.Metadata.CorrelationID)
	}
	p, err := events.Decode[events.NotificationSent](sent)
	if err != nil {
		t.Fatal(err)
	}
	if p.Template != "order-confirmation" || p.UserID != "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e" || p.MessageID != "msg-order-confirmation" {
		t.Errorf("payload = %+v", p)
	}
}

func TestAFailedSendIsAnErrorAndRecordsNothing(t *testing.T) {
	n, mailer, store := newNotifier(t)
	mailer.fail = map[string]error{"ada@example.com": errors.New("throttled")}
	env := sample(t, events.TypeUserRegistered)
	if _, err := n.notify(context.Background(), env); err == nil {
		t.Fatal("no error")
	}
	if records, _ := store.Load(context.Background(), contract.NotificationStream.ID(env.EventID), 1); len(records) != 0 {
		t.Errorf("recorded %d events for a mail not sent", len(records))
	}
}

func TestTheHTMLBodyEscapesWhatUsersTyped(t *testing.T) {
	n, mailer, _ := newNotifier(t)
	env := sample(t, events.TypeOrderCancelled)
	env.Data = []byte(strings.Replace(string(env.Data), "changed my mind", "<script>alert(1)</script>", 1))
	if _, err := n.notify(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(mailer.sent[0].HTML, "<script>") {
		t.Errorf("HTML = %s", mailer.sent[0].HTML)
	}
}

func TestEventsWithoutAMailAreSkipped(t *testing.T) {
	n, mailer, _ := newNotifier(t)
	_, err := n.notify(context.Background(), sample(t, events.TypeNotificationSent))
	if !errors.Is(err, consumer.ErrSkip) || len(mailer.sent) != 0 {
		t.Errorf("err = %v, sent %d", err, len(mailer.sent))
	}
}

func TestMaskEmailKeepsNothingOfTheAddress(t *testing.T) {
	for _, in := range []string{"ada@example.com", "x", "@x"} {
		if got := maskEmail(in); got != "[address]" {
			t.Errorf("maskEmail(%q) = %q", in, got)
		}
	}
}

func TestTheEnvironmentIsCheckedAgainstTheContract(t *testing.T) {
	_, err := boot.ReadEnv(contract.Notification, func(name string) string {
		if name == string(contract.EnvResetURL) {
			return "reset"
		}
		return ""
	})
	for _, want := range []contract.Var{contract.EnvMailFrom, contract.EnvEventsTable, contract.EnvResetURL} {
		if err == nil || !strings.Contains(err.Error(), string(want)) {
			t.Errorf("err = %v, want it to name %s", err, want)
		}
	}
}

func TestTheFunctionStartsFromItsContractsEnvironmentAlone(t *testing.T) {
	boottest.Starts(t, contract.Notification, setup)
}

// flakyRecorder is an event store whose first fails appends fail, and
// whose loads fail with loadErr.
type flakyRecorder struct {
	*eventstore.Memory
	fails   int
	appends int
	loads   int
	loadErr error
}

func (r *flakyRecorder) Append(ctx context.Context, stream string, expected int, envs ...events.Envelope) error {
	r.appends++
	if r.appends <= r.fails {
		return &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException", Fault: smithy.FaultClient}
	}
	return r.Memory.Append(ctx, stream, expected, envs...)
}

func (r *flakyRecorder) Load(ctx context.Context, stream string, from int) ([]eventstore.Record, error) {
	r.loads++
	if r.loadErr != nil {
		return nil, r.loadErr
	}
	return r.Memory.Load(ctx, stream, from)
}

func flakyNotifier(t *testing.T, fails int) (*Notifier, *fakeMailer, *flakyRecorder) {
	mailer, store := &fakeMailer{}, &flakyRecorder{Memory: eventstore.NewMemory(), fails: fails}
	n := notifier(t, mailer, store)
	n.recordBackoff = func(int) time.Duration { return time.Millisecond }
	return n, mailer, store
}

func TestARecordThatFailsBrieflyIsRetried(t *testing.T) {
	n, mailer, store := flakyNotifier(t, recordAttempts-1)
	env := sample(t, events.TypeUserRegistered)
	if _, err := n.notify(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	if records, _ := store.Memory.Load(context.Background(), contract.NotificationStream.ID(env.EventID), 1); len(mailer.sent) != 1 || len(records) != 1 {
		t.Errorf("sent %d mails, recorded %d", len(mailer.sent), len(records))
	}
}

func TestARecordIsNotRetriedNearTheDeadline(t *testing.T) {
	n, _, store := flakyNotifier(t, recordAttempts)
	n.recordBackoff = func(int) time.Duration { return 200 * time.Millisecond }
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := n.notify(ctx, sample(t, events.TypeUserRegistered)); err == nil {
		t.Fatal("no error")
	}
	if store.appends != 1 {
		t.Errorf("%d appends with less than a second left, want 1", store.appends)
	}
}

// TestAMailWhoseRecordFailsIsNeverSentTwice runs the notifier in its
// consumer, as main does, with an event store that keeps failing.
func TestAMailWhoseRecordFailsIsNeverSentTwice(t *testing.T) {
	n, mailer, store := flakyNotifier(t, 1000)
	var log bytes.Buffer
	c := &consumer.Consumer{Name: "notification", Idempotency: idempotency.NewMemory(), Lease: time.Minute, Keep: time.Hour,
		Log: slog.New(slog.NewJSONHandler(&log, nil))}
	raw, err := os.ReadFile("../../events/testdata/sqs-message.json")
	if err != nil {
		t.Fatal(err)
	}
	var msg lambdaevents.SQSMessage
	if err := json.Unmarshal(raw, &msg); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		resp, err := c.Handler(n.Routes().Handle)(context.Background(), lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{msg}})
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("the message was not acknowledged: %v %v", err, resp.BatchItemFailures)
		}
	}
	if len(mailer.sent) != 1 || store.appends != recordAttempts {
		t.Errorf("sent %d mails, tried %d appends", len(mailer.sent), store.appends)
	}
	for _, want := range []string{`"level":"ERROR"`, `"outcome":"follow-up-failed"`, `"outcome":"duplicate"`, `"first_result":"msg-welcome"`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, log.String())
		}
	}
}

func TestAReplayedEventIsMailedOnlyIfItWasNotBefore(t *testing.T) {
	replayed := func(t *testing.T) events.Envelope {
		env := sample(t, events.TypeOrderConfirmed)
		env.Metadata.Replay = true
		return env
	}
	t.Run("a replayed event mailed before is skipped, naming the first mail", func(t *testing.T) {
		n, mailer, _ := newNotifier(t)
		if _, err := n.notify(context.Background(), sample(t, events.TypeOrderConfirmed)); err != nil {
			t.Fatal(err)
		}
		// Long after: the consumer has forgotten the event, the store has not.
		result, err := n.notify(context.Background(), replayed(t))
		if !errors.Is(err, consumer.ErrSkip) || !strings.Contains(err.Error(), "mailed before") {
			t.Errorf("err = %v, want a skip", err)
		}
		if len(mailer.sent) != 1 || result.Effect != "msg-order-confirmation" {
			t.Errorf("sent %d mails, result %q", len(mailer.sent), result)
		}
	})
	t.Run("a replayed event never mailed is mailed", func(t *testing.T) {
		n, mailer, _ := newNotifier(t)
		if _, err := n.notify(context.Background(), replayed(t)); err != nil || len(mailer.sent) != 1 {
			t.Errorf("err = %v, sent %d mails", err, len(mailer.sent))
		}
	})
	t.Run("a replayed event is not mailed while the store cannot say", func(t *testing.T) {
		n, mailer, store := flakyNotifier(t, 0)
		store.loadErr = errors.New("connection reset")
		_, err := n.notify(context.Background(), replayed(t))
		if err == nil || errors.Is(err, consumer.ErrSkip) || consumer.IsPermanent(err) || len(mailer.sent) != 0 {
			t.Errorf("err = %v, sent %d mails; want a retry and no mail", err, len(mailer.sent))
		}
	})
	t.Run("an event first delivered costs no look-up", func(t *testing.T) {
		n, _, store := flakyNotifier(t, 0)
		if _, err := n.notify(context.Background(), sample(t, events.TypeOrderConfirmed)); err != nil || store.loads != 0 {
			t.Errorf("err = %v, %d loads", err, store.loads)
		}
	})
}

// fakeSES fails every send with err.
type fakeSES struct{ err error }

func (f fakeSES) SendEmail(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return nil, f.err
}

func TestSESErrorsHideTheAddressButKeepTheirKind(t *testing.T) {
	operation := func(err error) error {
		return &smithy.OperationError{ServiceID: "SESv2", OperationName: "SendEmail", Err: err}
	}
	tests := []struct {
		name      string
		err       error
		permanent bool
	}{
		{"a rejected address", operation(&sesv2types.MessageRejected{
			Message: aws.String("Email address is not verified. The following identities failed the check in region US-EAST-1: ada@example.com, shop@eventshop.example")}), true},
		{"throttling that names the sender", operation(&sesv2types.TooManyRequestsException{
			Message: aws.String("Maximum sending rate exceeded for <Shop.Mail+eu@eventshop.example>")}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &sesMailer{client: fakeSES{tt.err}, from: "shop@eventshop.example"}
			_, err := m.Send(context.Background(), Mail{To: "ada@example.com", Template: "welcome"})
			if err == nil {
				t.Fatal("no error")
			}
			text := fmt.Errorf("send welcome mail: %w", err).Error()
			if emailAddress().MatchString(text) || strings.Contains(text, "example") || !strings.Contains(text, "[address]") {
				t.Errorf("text = %q, want every address masked", text)
			}
			if got := consumer.IsPermanent(err); got != tt.permanent {
				t.Errorf("IsPermanent = %v, want %v", got, tt.permanent)
			}
			var api smithy.APIError
			if !errors.As(err, &api) || !errors.Is(err, tt.err) {
				t.Errorf("%T does not unwrap to the SDK's error", err)
			}
		})
	}
}

func TestSESErrorsWithoutAnAddressAreKeptAsTheyAre(t *testing.T) {
	cause := errors.New("dial tcp: connection refused")
	_, err := (&sesMailer{client: fakeSES{cause}}).Send(context.Background(), Mail{})
	if err != cause {
		t.Errorf("err = %#v", err)
	}
}

func TestAPlacedOrderIsNotMailedUntilItIsConfirmed(t *testing.T) {
	n, mailer, _ := newNotifier(t)
	for _, version := range []int{1, 2, 3} {
		if _, err := n.notify(context.Background(), eventstest.Sample(t, events.TypeOrderPlaced, version)); !errors.Is(err, consumer.ErrSkip) {
			t.Errorf("order.placed v%d: %v, want a skip", version, err)
		}
	}
	if len(mailer.sent) != 0 {
		t.Errorf("%d mails for placed orders", len(mailer.sent))
	}
}

func TestNoMailGoesToAForgottenRecipientNotEvenOnReplay(t *testing.T) {
	for _, eventType := range []string{events.TypeUserRegistered, events.TypeUserPasswordReset, events.TypeOrderConfirmed, events.TypeOrderCancelled, events.TypeOrderShipped} {
		t.Run(eventType, func(t *testing.T) {
			n, mailer, store := newNotifier(t)
			n.keys.(*keyring.Memory).Delete(eventstest.SampleSubject)
			env := fresh(t, eventType)
			for _, replay := range []bool{false, true} {
				env.Metadata.Replay = replay
				if _, err := n.notify(context.Background(), env); !errors.Is(err, consumer.ErrSkip) {
					t.Errorf("replay %v: err = %v, want a skip", replay, err)
				}
			}
			if records, _ := store.Load(context.Background(), contract.NotificationStream.ID(env.EventID), 1); len(mailer.sent) != 0 || len(records) != 0 {
				t.Errorf("sent %d mails, recorded %d", len(mailer.sent), len(records))
			}
		})
	}
}

func TestAContactSealedForSomeoneElseIsNeverMailed(t *testing.T) {
	n, mailer, _ := newNotifier(t)
	env := fresh(t, events.TypeOrderConfirmed)
	p, _ := events.Decode[events.OrderConfirmed](env)
	p.Customer.UserID = uuid.NewString() // the contact stays Ada's
	env.Data, _ = json.Marshal(p)
	if _, err := n.notify(context.Background(), env); !consumer.IsPermanent(err) || len(mailer.sent) != 0 {
		t.Errorf("err %v, %d mails; want a permanent failure and none", err, len(mailer.sent))
	}
}

func TestAResetIsMailedWithItsDecryptedTokenWhileItWorksAndNotAfter(t *testing.T) {
	n, mailer, _ := newNotifier(t)
	if _, err := n.notify(context.Background(), fresh(t, events.TypeUserPasswordReset)); err != nil || len(mailer.sent) != 1 {
		t.Fatalf("err %v, %d mails", err, len(mailer.sent))
	}
	if !strings.Contains(mailer.sent[0].Text, "?token="+sampleToken) {
		t.Errorf("the link lacks the token:\n%s", mailer.sent[0].Text)
	}
	if _, err := n.notify(context.Background(), sample(t, events.TypeUserPasswordReset)); !errors.Is(err, consumer.ErrSkip) || len(mailer.sent) != 1 {
		t.Errorf("an expired reset: err %v, %d mails", err, len(mailer.sent))
	}
	n.resetTokens = fakeTokens{} // a ciphertext KMS does not take
	if _, err := n.notify(context.Background(), fresh(t, events.TypeUserPasswordReset)); !consumer.IsPermanent(err) {
		t.Errorf("a token that does not decrypt: %v, want a permanent failure", err)
	}
}

func TestABatchReadsEachRecipientsKeyOnce(t *testing.T) {
	keys := keyringtest.Samples(t)
	n, _, _ := newNotifier(t)
	n.keys = keys
	ctx := keyring.WithCache(context.Background())
	for _, eventType := range []string{events.TypeUserRegistered, events.TypeOrderConfirmed, events.TypeOrderCancelled, events.TypeOrderShipped} {
		if _, err := n.notify(ctx, fresh(t, eventType)); err != nil {
			t.Fatal(err)
		}
	}
	if keys.Reads() != 1 {
		t.Errorf("4 mails to one person in one invocation read their key %d times", keys.Reads())
	}
}

func TestNoSubjectHoldsTheRecipientsContact(t *testing.T) {
	for _, eventType := range []string{events.TypeUserRegistered, events.TypeUserPasswordReset, events.TypeOrderConfirmed, events.TypeOrderCancelled, events.TypeOrderShipped} {
		n, mailer, _ := newNotifier(t)
		if _, err := n.notify(context.Background(), fresh(t, eventType)); err != nil || len(mailer.sent) != 1 {
			t.Fatalf("%s: %v", eventType, err)
		}
		if s := strings.ToLower(mailer.sent[0].Subject); strings.Contains(s, "ada") || strings.Contains(s, "lovelace") {
			t.Errorf("the %s mail's subject %q, which notification.sent keeps in clear, names the recipient", mailer.sent[0].Template, mailer.sent[0].Subject)
		}
	}
}

func TestNoMailGoesToASuppressedRecipient(t *testing.T) {
	n, mailer, store := newNotifier(t)
	suppressed, err := events.New(events.NotificationSuppressed{UserID: eventstest.SampleSubject, Reason: events.SuppressedForBounce, MessageID: "m-1"},
		events.Metadata{CorrelationID: "c", CausationID: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Append(context.Background(), contract.SuppressionStream.ID(eventstest.SampleSubject), 0, suppressed); err != nil {
		t.Fatal(err)
	}
	var metrics bytes.Buffer
	n.metrics = metricsTo(&metrics)
	for _, eventType := range []string{events.TypeUserPasswordReset, events.TypeOrderConfirmed} {
		if _, err := n.notify(context.Background(), fresh(t, eventType)); !errors.Is(err, consumer.ErrSkip) || !strings.Contains(err.Error(), "suppressed") {
			t.Errorf("%s: err = %v, want a skip", eventType, err)
		}
	}
	if len(mailer.sent) != 0 || strings.Count(metrics.String(), `"MailsSuppressed":1`) != 2 {
		t.Errorf("sent %d mails; metrics:\n%s", len(mailer.sent), metrics.String())
	}
}

// recordingSES keeps the last request.
type recordingSES struct{ in *sesv2.SendEmailInput }

func (r *recordingSES) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	r.in = in
	return &sesv2.SendEmailOutput{MessageId: aws.String("m-1")}, nil
}

func TestEveryMailGoesWithTheConfigurationSetAndTagsThatNameItsRecipient(t *testing.T) {
	ses := &recordingSES{}
	m := &sesMailer{client: ses, from: "shop@example.com", configurationSet: "eventshop-mail"}
	if _, err := m.Send(context.Background(), Mail{Template: "welcome", UserID: "u-1", EventID: "e-1", To: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, tag := range ses.in.EmailTags {
		tags[aws.ToString(tag.Name)] = aws.ToString(tag.Value)
	}
	if aws.ToString(ses.in.ConfigurationSetName) != "eventshop-mail" || tags[contract.MailTagUserID] != "u-1" ||
		tags[contract.MailTagEventID] != "e-1" || tags[contract.MailTagTemplate] != "welcome" {
		t.Errorf("configuration set %q, tags %v", aws.ToString(ses.in.ConfigurationSetName), tags)
	}
}

func metricsTo(w io.Writer) *metrics.Emitter { return metrics.New(w, "notification") }
