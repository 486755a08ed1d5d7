package eventstore_test

import (
	"testing"

	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/eventstore/eventstoretest"
)

func TestMemoryKeepsTheContract(t *testing.T) {
	eventstoretest.Run(t, func(*testing.T) eventstoretest.Store { return eventstore.NewMemory() })
}
