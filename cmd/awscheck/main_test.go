package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
)

func TestCheckPrintsWhoTheCallerIs(t *testing.T) {
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "GetCallerIdentity" {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
			`<Arn>arn:aws:iam::123456789012:user/ada</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>`+
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	}))
	defer sts.Close()
	t.Setenv("AWS_ENDPOINT_URL_STS", sts.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")

	var out bytes.Buffer
	if err := check(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if want := "AWS account 123456789012, as arn:aws:iam::123456789012:user/ada, region eu-west-1\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}

func TestExplainSaysWhatToDo(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"no credentials at all", fmt.Errorf("operation error STS: GetCallerIdentity, get identity: get credentials: failed to refresh cached credentials"),
			"no AWS credentials found"},
		{"credentials AWS refuses", fmt.Errorf("operation error STS: %w", &smithy.GenericAPIError{Code: "ExpiredToken", Message: "The security token included in the request is expired"}),
			"AWS refuses these credentials"},
		{"no network", fmt.Errorf("request send failed: %w", &net.DNSError{Err: "no such host", Name: "sts.us-east-1.amazonaws.com"}),
			"cannot reach AWS STS"},
		{"no answer", fmt.Errorf("request send failed: %w", context.DeadlineExceeded), "no answer from AWS STS in time"},
		{"anything else", errors.New("boom"), "ask AWS STS who the caller is: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := explain(tt.err).Error(); !strings.Contains(got, tt.want) {
				t.Errorf("%q, want it to say %q", got, tt.want)
			}
		})
	}
}
