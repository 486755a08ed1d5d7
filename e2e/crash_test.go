package e2e

import (
	"testing"
)

func TestACrashedFunctionIsStartedAgainAndTheFlowCarriesOn(t *testing.T) {
	host := localHost(t, "notification")
	before := host.Starts()
	for i := range host.Instances() {
		host.Kill(i)
	}
	email := uniqueEmail("phoenix")
	register(t, email, "Phoenix")
	waitForMail(t, email, 1, nil)
	if want := before + host.Instances(); host.Starts() < want {
		t.Errorf("%d starts after killing every instance, want at least %d", host.Starts(), want)
	}
}
