package main

import (
	"strings"
	"testing"
	"time"

	"github.com/eventshop/eventshop/events"
)

func TestHTMLBodiesEscapeWhatTheyInsertAndTextBodiesDoNot(t *testing.T) {
	name, sku, reason := `Ada <script>alert("x")</script> & Co`, `<b>BOOK</b>`, `"changed" <my> mind`
	to, customer := events.Contact{Email: "ada@example.com", Name: name}, events.Person{UserID: "u-1"}
	eur := events.Money{AmountMinor: 100, Currency: "EUR"}
	placed := events.OrderConfirmed{OrderID: "9a8b7c6d-0000", Customer: customer, Total: eur,
		Items: []events.LineItem{{SKU: sku, Quantity: 1, UnitPrice: eur}}}
	cancelled := events.OrderCancelled{OrderID: "9a8b7c6d-0000", Customer: customer, Total: eur, Reason: reason}
	mails := []Mail{
		welcomeMail(events.UserRegistered{UserID: "u-1"}, to),
		passwordResetMail(events.UserPasswordReset{UserID: "u-1", ExpiresAt: time.Now()}, to, `https://shop.example/reset?token=a"b`),
		orderConfirmationMail(placed, to),
		orderCancellationMail(cancelled, to),
		orderRejectedMail(events.OrderRejected{OrderID: "9a8b7c6d-0000", Customer: customer, Total: eur, Reason: events.RejectedOutOfStock, SKU: sku}, to),
		orderExpiredMail(events.OrderExpired{OrderID: "9a8b7c6d-0000", Customer: customer, Total: eur}, to),
	}
	for _, m := range mails {
		t.Run(m.Template, func(t *testing.T) {
			if strings.Contains(m.HTML, "<script>") || strings.Contains(m.HTML, "<b>") || strings.Contains(m.HTML, "<my>") || strings.Contains(m.HTML, `a"b`) {
				t.Errorf("HTML body inserts markup unescaped:\n%s", m.HTML)
			}
			if !strings.Contains(m.HTML, "Ada &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co") {
				t.Errorf("HTML body lacks the escaped name:\n%s", m.HTML)
			}
			if !strings.Contains(m.Text, name) {
				t.Errorf("text body lacks the name as it is:\n%s", m.Text)
			}
			if !strings.HasPrefix(m.HTML, "<!DOCTYPE html>") || !strings.HasSuffix(m.HTML, "</html>\n") || !strings.Contains(m.Text, "— the eventshop team") {
				t.Errorf("mail is not a whole document with its signature:\n%s\n%s", m.Text, m.HTML)
			}
		})
	}
}

func TestAnOrderConfirmationListsEveryLine(t *testing.T) {
	eur := func(cents int64) events.Money { return events.Money{AmountMinor: cents, Currency: "EUR"} }
	m := orderConfirmationMail(events.OrderConfirmed{OrderID: "9a8b7c6d-0000", Total: eur(4248),
		Items: []events.LineItem{{SKU: "BOOK-42", Quantity: 2, UnitPrice: eur(1999)}, {SKU: "PEN-1", Quantity: 1, UnitPrice: eur(250)}}},
		events.Contact{Email: "ada@example.com", Name: "Ada"})
	for _, want := range []string{"2 × BOOK-42 at 19.99 EUR = 39.98 EUR", "1 × PEN-1 at 2.50 EUR = 2.50 EUR", "Total: 42.48 EUR"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text body lacks %q:\n%s", want, m.Text)
		}
	}
	if got := strings.Count(m.HTML, "<tr>"); got != 4 {
		t.Errorf("HTML table has %d rows, want a header, two lines and the total:\n%s", got, m.HTML)
	}
}

func TestARejectionSaysWhyInPlainWordsAndThatNothingWasCharged(t *testing.T) {
	to := events.Contact{Email: "ada@example.com", Name: "Ada"}
	for _, tc := range []struct {
		reason, sku string
		want        string
	}{
		{events.RejectedPaymentDeclined, "", "Your payment was declined"},
		{events.RejectedPaymentUnavailable, "", "could not reach our payment provider"},
		{events.RejectedOutOfStock, "BOOK-42", "We do not have enough of BOOK-42 in stock"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			m := orderRejectedMail(events.OrderRejected{OrderID: "9a8b7c6d-0000", Reason: tc.reason, SKU: tc.sku,
				Total: events.Money{AmountMinor: 4248, Currency: "EUR"}}, to)
			for _, body := range []string{m.Text, m.HTML} {
				for _, want := range []string{tc.want, "Nothing was charged", "42.48 EUR", "9a8b7c6d-0000"} {
					if !strings.Contains(body, want) {
						t.Errorf("the mail lacks %q:\n%s", want, body)
					}
				}
				if strings.Contains(body, tc.reason) {
					t.Errorf("the mail shows the code %q rather than words:\n%s", tc.reason, body)
				}
			}
		})
	}
}
