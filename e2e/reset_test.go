package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
)

var resetLink = regexp.MustCompile(`https?://[^\s"<]+\?token=([A-Za-z0-9_-]{43})`)

func TestAPasswordResetMailsASingleUseLinkAndStoresOnlyItsHash(t *testing.T) {
	u := register(t, uniqueEmail("margaret"), "Margaret Hamilton")
	r := call(t, http.MethodPost, "/users/"+u.UserID+"/password-reset", nil)
	accepted := decode[struct {
		UserID    string    `json:"userId"`
		ExpiresAt time.Time `json:"expiresAt"`
	}](t, r, http.StatusAccepted)
	if accepted.UserID != u.UserID || time.Until(accepted.ExpiresAt) < 50*time.Minute {
		t.Errorf("accepted = %+v", accepted)
	}
	if strings.Contains(string(r.body), "token") {
		t.Errorf("the response gives the token away: %s", r.body)
	}

	mail := waitForMail(t, u.Email, 1, subjectHas("Reset your eventshop password"))[0]
	m := resetLink.FindStringSubmatch(mail.Text)
	if m == nil || !strings.Contains(mail.HTML, m[0]) {
		t.Fatalf("no reset link in the mail:\n%s", mail.Text)
	}
	token, _ := url.QueryUnescape(m[1])

	out, err := dynamo().GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(output(contract.OutputUsersTable)),
		Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "USER#" + u.UserID}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(token))
	stored, _ := out.Item["resetTokenHash"].(*types.AttributeValueMemberS)
	if stored == nil || stored.Value != hex.EncodeToString(sum[:]) {
		t.Errorf("stored hash %v, want the SHA-256 of the mailed token", out.Item["resetTokenHash"])
	}
	for name, v := range out.Item {
		if s, ok := v.(*types.AttributeValueMemberS); ok && strings.Contains(s.Value, token) {
			t.Errorf("the user item keeps the token itself in %s", name)
		}
	}

	got := decode[user](t, call(t, http.MethodGet, "/users/"+u.UserID, nil), http.StatusOK)
	if strings.Contains(string(call(t, http.MethodGet, "/users/"+u.UserID, nil).body), "reset") || got.UserID != u.UserID {
		t.Error("GET /users/{userId} shows reset data")
	}
}

func TestAPasswordResetForAnUnknownUserIsRefused(t *testing.T) {
	e := decode[apiError](t, call(t, http.MethodPost, "/users/"+uuid.NewString()+"/password-reset", nil), http.StatusNotFound)
	if e.Error != "not_found" {
		t.Errorf("unknown user: %+v", e)
	}
	e = decode[apiError](t, call(t, http.MethodPost, "/users/nobody/password-reset", nil), http.StatusBadRequest)
	if e.Field != "userId" {
		t.Errorf("malformed id: %+v", e)
	}
	e = decode[apiError](t, call(t, http.MethodPost, "/users/"+uuid.NewString()+"/password-reset", map[string]string{"email": "x"}), http.StatusBadRequest)
	if e.Field != "email" {
		t.Errorf("unexpected body: %+v", e)
	}
}
