// Command bare is the baseline of make bench's warm comparison: the
// notification consumer's welcome mail written directly on aws-lambda-go
// and the AWS SDK, as one would without eventshop. It makes the same AWS
// calls for each user.registered as eventshop's notification function —
// the idempotency claim, the recipient's data key (DynamoDB, then KMS,
// once per person per invocation), the suppression check, the mail, the
// notification.sent record and the idempotency completion — with none of
// eventshop's layers: no schema validation, no retry or dead-letter
// policy, no metrics; one log line a message.
package main

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

type handler struct {
	db                                   *dynamodb.Client
	kms                                  *kms.Client
	ses                                  *sesv2.Client
	log                                  *slog.Logger
	idempotency, keys, events, from, key string
	concurrent                           bool
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	h := &handler{db: dynamodb.NewFromConfig(cfg), kms: kms.NewFromConfig(cfg), ses: sesv2.NewFromConfig(cfg),
		log:         slog.New(slog.NewJSONHandler(os.Stdout, nil)),
		idempotency: os.Getenv("IDEMPOTENCY_TABLE"), keys: os.Getenv("KEYS_TABLE"), events: os.Getenv("EVENTS_TABLE"),
		from: os.Getenv("MAIL_FROM"), key: os.Getenv("PERSONAL_DATA_KEY"), concurrent: os.Getenv("BARE_CONCURRENT") == "1"}
	lambda.Start(h.handle)
}

// registered is the part of a user.registered envelope the mail needs.
type registered struct {
	EventID  string `json:"eventId"`
	Metadata struct {
		CorrelationID string `json:"correlationId"`
	} `json:"metadata"`
	Data struct {
		UserID  string `json:"userId"`
		Contact struct {
			Subject    string `json:"subject"`
			Ciphertext []byte `json:"ciphertext"`
		} `json:"contact"`
	} `json:"data"`
}

// handle handles the batch's messages one after the other or, with
// BARE_CONCURRENT=1, each in a goroutine of its own, as eventshop's
// consumer does.
func (h *handler) handle(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	var resp lambdaevents.SQSEventResponse
	keys := &keyCache{keys: map[string]cipher.AEAD{}}
	errs := make([]error, len(ev.Records))
	if h.concurrent {
		var wg sync.WaitGroup
		for i, msg := range ev.Records {
			wg.Go(func() { errs[i] = h.message(ctx, msg, keys) })
		}
		wg.Wait()
	} else {
		for i, msg := range ev.Records {
			errs[i] = h.message(ctx, msg, keys)
		}
	}
	for i, err := range errs {
		if err != nil {
			h.log.Error("message failed", "message_id", ev.Records[i].MessageId, "error", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
		}
	}
	return resp, nil
}

// keyCache holds the data keys read in one invocation.
type keyCache struct {
	mu   sync.Mutex
	keys map[string]cipher.AEAD
}

func (h *handler) message(ctx context.Context, msg lambdaevents.SQSMessage, keys *keyCache) error {
	var eb lambdaevents.EventBridgeEvent
	var env registered
	if err := json.Unmarshal([]byte(msg.Body), &eb); err != nil {
		return err
	}
	if err := json.Unmarshal(eb.Detail, &env); err != nil {
		return err
	}
	idem := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "notification#" + env.EventID}}
	claim := map[string]types.AttributeValue{"id": idem["id"], "status": &types.AttributeValueMemberS{Value: "in-progress"},
		"expires": &types.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10)}}
	_, err := h.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(h.idempotency), Item: claim,
		ConditionExpression: aws.String("attribute_not_exists(id) OR expires < :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().Unix(), 10)}}})
	var done *types.ConditionalCheckFailedException
	if errors.As(err, &done) {
		return nil // handled before
	}
	if err != nil {
		return err
	}

	contact, err := h.contact(ctx, env.Data.Contact.Subject, env.Data.Contact.Ciphertext, keys)
	if err != nil {
		return err
	}
	suppressed, err := h.db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(h.events), Limit: aws.Int32(1),
		KeyConditionExpression:    aws.String("streamId = :s"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "suppression-" + env.Data.UserID}}})
	if err != nil {
		return err
	}
	if suppressed.Count > 0 {
		return nil
	}

	subject := "Welcome to eventshop"
	text := fmt.Sprintf("Hello %s,\n\nwelcome to eventshop! Your account for %s is ready.\n\nYou can now place orders with your user id:\n\n    %s\n",
		contact.Name, contact.Email, env.Data.UserID)
	body := fmt.Sprintf("<!doctype html><html><body><h1>Welcome to eventshop, %s!</h1><p>Your account for <strong>%s</strong> is ready.</p><p>You can now place orders with your user id: <code>%s</code></p></body></html>",
		html.EscapeString(contact.Name), html.EscapeString(contact.Email), html.EscapeString(env.Data.UserID))
	utf8 := aws.String("UTF-8")
	sent, err := h.ses.SendEmail(ctx, &sesv2.SendEmailInput{FromEmailAddress: aws.String(h.from),
		EmailTags: []sestypes.MessageTag{{Name: aws.String("template"), Value: aws.String("welcome")},
			{Name: aws.String("user_id"), Value: aws.String(env.Data.UserID)}, {Name: aws.String("event_id"), Value: aws.String(env.EventID)}},
		Destination: &sestypes.Destination{ToAddresses: []string{contact.Email}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{Subject: &sestypes.Content{Data: aws.String(subject), Charset: utf8},
			Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String(text), Charset: utf8}, Html: &sestypes.Content{Data: aws.String(body), Charset: utf8}}}}})
	if err != nil {
		return err
	}

	record, _ := json.Marshal(map[string]any{"eventId": newID(), "eventType": "notification.sent", "eventVersion": 2,
		"timestamp": time.Now().UTC(), "source": "eventshop.notification",
		"data":     map[string]string{"template": "welcome", "userId": env.Data.UserID, "subject": subject, "messageId": aws.ToString(sent.MessageId)},
		"metadata": map[string]string{"correlationId": env.Metadata.CorrelationID, "causationId": env.EventID}})
	stream := "notification-" + env.EventID
	if _, err := h.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String(h.events), ConditionExpression: aws.String("attribute_not_exists(streamId)"),
		Item: map[string]types.AttributeValue{"streamId": &types.AttributeValueMemberS{Value: stream},
			"version": &types.AttributeValueMemberN{Value: "1"}, "eventType": &types.AttributeValueMemberS{Value: "notification.sent"},
			"envelope": &types.AttributeValueMemberS{Value: string(record)}}}}}}); err != nil {
		return err
	}

	complete := map[string]types.AttributeValue{"id": idem["id"], "status": &types.AttributeValueMemberS{Value: "completed"},
		"result":  &types.AttributeValueMemberS{Value: aws.ToString(sent.MessageId)},
		"expires": &types.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().Add(7*24*time.Hour).Unix(), 10)}}
	if _, err := h.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(h.idempotency), Item: complete}); err != nil {
		return err
	}
	h.log.Info("mail sent", "event_id", env.EventID, "user_id", env.Data.UserID, "ses_message_id", aws.ToString(sent.MessageId))
	return nil
}

type contact struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// contact opens a sealed contact with its subject's data key, read once
// per invocation: the key's wrapped form from DynamoDB, unwrapped by KMS.
func (h *handler) contact(ctx context.Context, subject string, sealed []byte, keys *keyCache) (contact, error) {
	var c contact
	keys.mu.Lock()
	aead, ok := keys.keys[subject]
	keys.mu.Unlock()
	if !ok {
		item, err := h.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(h.keys), ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"subject": &types.AttributeValueMemberS{Value: subject}}})
		if err != nil {
			return c, err
		}
		wrapped, ok := item.Item["wrappedKey"].(*types.AttributeValueMemberB)
		if !ok {
			return c, fmt.Errorf("no key for %s", subject)
		}
		key, err := h.kms.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(h.key), CiphertextBlob: wrapped.Value,
			EncryptionContext: map[string]string{"eventshop:purpose": "personal-data", "eventshop:subject": subject}})
		if err != nil {
			return c, err
		}
		block, err := aes.NewCipher(key.Plaintext)
		if err != nil {
			return c, err
		}
		if aead, err = cipher.NewGCM(block); err != nil {
			return c, err
		}
		keys.mu.Lock()
		keys.keys[subject] = aead
		keys.mu.Unlock()
	}
	n := aead.NonceSize()
	if len(sealed) < n {
		return c, errors.New("sealed contact too short")
	}
	plaintext, err := aead.Open(nil, sealed[:n], sealed[n:], []byte("eventshop sealed v1 subject="+subject))
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(plaintext, &c)
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
