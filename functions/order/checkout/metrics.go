package checkout

import (
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

// Metrics is where the checkout counts how orders end.
type Metrics interface {
	Emit(values map[string]string, ms ...metrics.Metric)
}

var _ Metrics = (*metrics.Emitter)(nil)

// count emits, for an order that the decision ended, OrdersConfirmed (by
// currency), OrdersRejected (by reason) or OrdersExpired (by currency):
// what the dashboard shows and the checkout's alarm watches.
func count(m Metrics, decided []events.Payload) {
	for _, p := range decided {
		switch p := p.(type) {
		case events.OrderConfirmed:
			m.Emit(map[string]string{contract.DimCurrency: p.Total.Currency}, metrics.CountOf(contract.OrdersConfirmed, 1))
		case events.OrderRejected:
			m.Emit(map[string]string{contract.DimReason: p.Reason}, metrics.CountOf(contract.OrdersRejected, 1))
		case events.OrderExpired:
			m.Emit(map[string]string{contract.DimCurrency: p.Total.Currency}, metrics.CountOf(contract.OrdersExpired, 1))
		}
	}
}
