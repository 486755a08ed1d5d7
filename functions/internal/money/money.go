// Package money knows the currencies of ISO 4217 and writes amounts kept
// in a currency's minor unit the way people read them.
package money

import (
	"fmt"
	"strings"
	"sync"

	"github.com/eventshop/eventshop/events"
)

// Currency is an ISO 4217 currency.
type Currency struct {
	Code string
	// Digits is how many decimal digits the minor unit has: 2 for EUR
	// (cents), 0 for JPY, 3 for KWD.
	Digits int
}

// Lookup returns the active ISO 4217 currency with the code, which must
// be upper case.
func Lookup(code string) (Currency, bool) {
	d, ok := digits()[code]
	return Currency{Code: code, Digits: d}, ok
}

// Format writes an amount of minor units: Format(4248, EUR) is "42.48 EUR",
// Format(500, JPY) is "500 JPY".
func (c Currency) Format(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	if c.Digits == 0 {
		return fmt.Sprintf("%s%d %s", sign, minor, c.Code)
	}
	unit := int64(1)
	for range c.Digits {
		unit *= 10
	}
	return fmt.Sprintf("%s%d.%0*d %s", sign, minor/unit, c.Digits, minor%unit, c.Code)
}

// digits lists ISO 4217's active codes with their minor unit digits
// (amendment 179), less the funds codes and precious metals. It is built
// on first use, not at every cold start.
var digits = sync.OnceValue(func() map[string]int {
	m := map[string]int{}
	for _, code := range strings.Fields(`
		AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD
		CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
		GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD
		MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP
		PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS
		TMT TOP TRY TTD TWD TZS UAH USD UZS VES WST XCD XCG YER ZAR ZMW ZWG`) {
		m[code] = 2
	}
	for _, code := range strings.Fields(`BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF`) {
		m[code] = 0
	}
	for _, code := range strings.Fields(`BHD IQD JOD KWD LYD OMR TND`) {
		m[code] = 3
	}
	return m
})

// Format writes an amount of money the way people read it: 42.48 EUR.
func Format(m events.Money) string {
	c, _ := Lookup(m.Currency)
	return c.Format(m.AmountMinor)
}
