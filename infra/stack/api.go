package stack

import (
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/eventshop/eventshop/contract"
)

// API throttling of the default stage, for every route together.
const (
	apiRateLimit  = 100 // requests per second, sustained
	apiBurstLimit = 200
)

// accessLogFormat is one JSON line per request.
var accessLogFormat = strings.Join([]string{
	`"requestId":"$context.requestId"`, `"ip":"$context.identity.sourceIp"`, `"caller":"$context.identity.caller"`,
	`"requestTime":"$context.requestTime"`, `"routeKey":"$context.routeKey"`, `"status":"$context.status"`,
	`"protocol":"$context.protocol"`, `"responseLength":"$context.responseLength"`,
	`"integrationLatency":"$context.integrationLatency"`, `"integrationError":"$context.integrationErrorMessage"`,
	`"authorizerError":"$context.authorizer.error"`,
}, ",")

// newAPI declares the HTTP API: every route needs authorization — AWS IAM
// (SigV4) unless a JWT issuer is configured — one stage throttles and
// writes a JSON access log, and CORS answers only the configured origins.
func newAPI(scope constructs.Construct, cfg Config) (awsapigatewayv2.HttpApi, awsapigatewayv2.HttpStage) {
	var authorizer awsapigatewayv2.IHttpRouteAuthorizer = awsapigatewayv2authorizers.NewHttpIamAuthorizer()
	if cfg.JWTIssuer != "" {
		authorizer = awsapigatewayv2authorizers.NewHttpJwtAuthorizer(jsii.String("Jwt"), jsii.String(cfg.JWTIssuer),
			&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{JwtAudience: jsii.Strings(cfg.JWTAudience...)})
	}
	props := &awsapigatewayv2.HttpApiProps{
		ApiName:            jsii.String(cfg.StackName()),
		Description:        jsii.String("eventshop's public API"),
		CreateDefaultStage: jsii.Bool(false),
		DefaultAuthorizer:  authorizer,
	}
	if len(cfg.CORSOrigins) > 0 {
		props.CorsPreflight = &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins:  jsii.Strings(cfg.CORSOrigins...),
			AllowMethods:  corsMethods(),
			AllowHeaders:  jsii.Strings("Authorization", "Content-Type", contract.CorrelationHeader, contract.IdempotencyHeader, "X-Amz-Date", "X-Amz-Security-Token"),
			ExposeHeaders: jsii.Strings("Location", contract.CorrelationHeader, contract.IdempotentReplayHeader, "Allow", "Retry-After"),
			MaxAge:        awscdk.Duration_Hours(jsii.Number(1)),
		}
	}
	api := awsapigatewayv2.NewHttpApi(scope, jsii.String("Api"), props)

	logs := awslogs.NewLogGroup(scope, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_TWO_WEEKS,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	stage := awsapigatewayv2.NewHttpStage(scope, jsii.String("ApiStage"), &awsapigatewayv2.HttpStageProps{
		HttpApi:    api,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle:   &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(apiRateLimit), BurstLimit: jsii.Number(apiBurstLimit)},
	})
	stage.Node().DefaultChild().(awsapigatewayv2.CfnStage).SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(),
		Format:         jsii.String("{" + accessLogFormat + "}"),
	})
	return api, stage
}

// addRoutes routes every route the contract gives fn to its integration,
// and, if fn serves the fallback, the $default route too: what no route
// matches, under the same authorization.
func addRoutes(api awsapigatewayv2.HttpApi, fn contract.Function, integration awsapigatewayv2.HttpRouteIntegration) {
	for _, route := range fn.Routes() {
		api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(route.Path()),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(route.Method())},
			Integration: integration,
		})
	}
	if fn == contract.FallbackServer {
		awsapigatewayv2.NewHttpRoute(api, jsii.String("FallbackRoute"), &awsapigatewayv2.HttpRouteProps{
			HttpApi:     api,
			RouteKey:    awsapigatewayv2.HttpRouteKey_DEFAULT(),
			Integration: integration,
			Authorizer:  api.DefaultAuthorizer(),
		})
	}
}

// corsMethods are the methods of the API's routes, each once.
func corsMethods() *[]awsapigatewayv2.CorsHttpMethod {
	var out []awsapigatewayv2.CorsHttpMethod
	for _, fn := range contract.Functions() {
		for _, r := range fn.Routes() {
			if m := awsapigatewayv2.CorsHttpMethod(r.Method()); !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	slices.Sort(out)
	return &out
}
