# eventshop — every command a developer needs. `make help` lists them.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

FUNCTIONS := $(notdir $(patsubst %/main.go,%,$(wildcard functions/*/main.go)))
STAGE     ?= dev
CDK       := node_modules/.bin/cdk
CDK_FLAGS := --no-notices -c stage=$(STAGE) $(if $(MAIL_FROM),-c mailFrom=$(MAIL_FROM)) $(if $(RESET_URL),-c resetUrl=$(RESET_URL))
export CDK_DISABLE_CLI_TELEMETRY := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: local
local: ## run the whole stack on this machine: no Docker, no AWS account
	go run ./localstack/cmd/eventshop-local

.PHONY: test
test: ## vet, unit and CDK tests, then end to end against a fresh local stack
	go vet ./...
	EVENTSHOP_INTEGRATION=1 EVENTSHOP_E2E=1 go test -count=1 ./...

.PHONY: unit
unit: ## only the fast, hermetic tests
	go test ./...

FUZZTIME ?= 60s
FUZZ_TARGETS := events:FuzzFromSQS functions/user:FuzzPostUsers functions/order:FuzzPostOrders

.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME (default 60s); go test runs their seed corpora
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzzing $${t#*:} in ./$${t%%:*} for $(FUZZTIME)"; \
		go test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) ./$${t%%:*} || exit 1; \
	done

N ?= 1000

.PHONY: loadtest
loadtest: ## N (default 1,000) concurrent registrations against a fresh local stack: throughput and latency
	EVENTSHOP_E2E=1 EVENTSHOP_LOAD_N=$(N) go test -count=1 -timeout 30m -run TestConcurrentRegistrations -v ./e2e

.PHONY: build
build: $(FUNCTIONS:%=build/lambda/%/bootstrap) ## the functions' arm64 bootstraps for Lambda

build/lambda/%/bootstrap: FORCE
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w' -o $@ ./functions/$*

$(CDK): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	echo 'module ignored/node_modules' > node_modules/go.mod  # keeps node_modules out of ./...
	touch $@

.PHONY: synth
synth: build $(CDK) ## synthesize the stack into cdk.out
	$(CDK) synth $(CDK_FLAGS) --quiet

.PHONY: diff
diff: mail-from build $(CDK) ## what `make deploy` would change in the account
	$(CDK) diff $(CDK_FLAGS)

.PHONY: deploy
deploy: mail-from build $(CDK) ## deploy eventshop-$(STAGE) to the account of your AWS credentials
	$(CDK) deploy $(CDK_FLAGS) --require-approval never --outputs-file cdk-outputs.json

.PHONY: mail-from
mail-from:
	@[ -n "$(MAIL_FROM)" ] || { echo "MAIL_FROM is required: the address or domain SES sends mail from, e.g. make deploy MAIL_FROM=shop@example.com" >&2; exit 2; }

.PHONY: destroy
destroy: $(CDK) ## delete eventshop-$(STAGE) from the account
	$(CDK) destroy $(CDK_FLAGS) --force

.PHONY: clean
clean: ## remove what builds and runs left behind
	rm -rf build cdk.out .local cdk-outputs.json

.PHONY: FORCE
FORCE:
