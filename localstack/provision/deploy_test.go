package provision

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/localstack/emulator/emulatortest"
	"github.com/eventshop/eventshop/localstack/template"
)

// deployer returns a deployer on a fresh emulator.
func deployer(t *testing.T) *Deployer {
	t.Helper()
	_, cfg := emulatortest.Start(t)
	return New(cfg, "test")
}

func parse(t *testing.T, src string) *template.Template {
	t.Helper()
	var tpl template.Template
	if err := json.Unmarshal([]byte(src), &tpl); err != nil {
		t.Fatal(err)
	}
	return &tpl
}

func TestDeployCreatesAJWTProtectedAPIAndResolvesItsOutputs(t *testing.T) {
	d := deployer(t)
	stack, err := d.Deploy(context.Background(), parse(t, `{
		"Resources": {
			"Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "shop", "ProtocolType": "HTTP"}},
			"Jwt": {"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": {"ApiId": {"Ref": "Api"}, "Name": "jwt",
				"AuthorizerType": "JWT", "IdentitySource": ["$request.header.Authorization"],
				"JwtConfiguration": {"Issuer": "https://issuer.example.com", "Audience": ["shop"]}}},
			"Route": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Api"}, "RouteKey": "GET /x",
				"AuthorizationType": "JWT", "AuthorizerId": {"Ref": "Jwt"}}},
			"Stage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {"ApiId": {"Ref": "Api"}, "StageName": "$default", "AutoDeploy": true,
				"DefaultRouteSettings": {"ThrottlingRateLimit": 10}}},
			"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 60}}
		},
		"Outputs": {
			"Url": {"Value": {"Fn::Join": ["", ["https://", {"Ref": "Api"}, ".execute-api.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}, "/"]]}},
			"QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}}
		}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(stack.APIs) != 1 || stack.Outputs["Url"] != "https://"+stack.APIs[0]+".execute-api.us-east-1.amazonaws.com/" {
		t.Errorf("outputs = %v", stack.Outputs)
	}
	if !strings.HasPrefix(stack.Outputs["QueueArn"], "arn:aws:sqs:us-east-1:000000000000:test-Queue-") {
		t.Errorf("queue arn = %s", stack.Outputs["QueueArn"])
	}
}

func TestDeployRefusesAPropertyItWouldIgnore(t *testing.T) {
	d := deployer(t)
	_, err := d.Deploy(context.Background(), parse(t, `{"Resources": {
		"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 60, "SomethingNew": {"Enabled": true}}}
	}}`))
	if err == nil || !strings.Contains(err.Error(), "SomethingNew") {
		t.Errorf("err = %v, want it to name the property", err)
	}
}
