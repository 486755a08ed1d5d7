package main

import (
	"testing"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/functions/internal/boot/boottest"
)

func TestTheFunctionStartsFromItsContractsEnvironmentAlone(t *testing.T) {
	boottest.Starts(t, contract.Outcomes, setup)
}
