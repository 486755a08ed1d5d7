package main

import (
	"fmt"
	"html"
	"strings"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/money"
)

// Mail is one message to one user, with a plain text and an HTML body.
type Mail struct {
	Template string // which mail it is, e.g. "welcome"
	UserID   string
	EventID  string // the event the mail answers
	To       string
	// Subject holds no personal data: notification.sent records it, in
	// clear, for ever. The bodies may; nothing keeps them.
	Subject string
	Text    string
	HTML    string
}

// The mails are written in Go rather than with text/template and
// html/template. Those call methods by name through reflection, which
// stops the linker from dropping any exported method of any type in the
// binary: they made the function's bootstrap 16.8 MiB instead of 10, and
// parsed their templates at every cold start. htmlf escapes what it
// inserts, as html/template would in a text context.

// signature closes every mail.
const (
	signature     = "— the eventshop team"
	htmlSignature = "<p>— the eventshop team</p>"
)

func welcomeMail(p events.UserRegistered, to events.Contact) Mail {
	return Mail{
		Template: "welcome", UserID: p.UserID, To: to.Email,
		Subject: "Welcome to eventshop",
		Text: fmt.Sprintf(`Hello %s,

welcome to eventshop! Your account for %s is ready.

You can now place orders with your user id:

    %s

%s
`, to.Name, to.Email, p.UserID, signature),
		HTML: page(htmlf(`<h1>Welcome to eventshop, %s!</h1>
  <p>Your account for <strong>%s</strong> is ready.</p>
  <p>You can now place orders with your user id: <code>%s</code></p>`, to.Name, to.Email, p.UserID)),
	}
}

// passwordResetMail links to the page that takes the token.
func passwordResetMail(p events.UserPasswordReset, to events.Contact, link string) Mail {
	until := p.ExpiresAt.UTC().Format("2006-01-02 15:04 MST")
	return Mail{
		Template: "password-reset", UserID: p.UserID, To: to.Email,
		Subject: "Reset your eventshop password",
		Text: fmt.Sprintf(`Hello %s,

someone, hopefully you, asked to reset the password of your eventshop
account %s. To choose a new password, open this link:

    %s

It works once, until %s. If you did not ask for this,
ignore this mail: your password stays as it is.

%s
`, to.Name, to.Email, link, until, signature),
		HTML: page(htmlf(`<p>Hello %s,</p>
  <p>someone, hopefully you, asked to reset the password of your eventshop account <strong>%s</strong>.</p>
  <p><a href="%s">Choose a new password</a></p>
  <p>The link works once, until %s. If you did not ask for this, ignore this mail: your password stays as it is.</p>`,
			to.Name, to.Email, link, until)),
	}
}

// orderLine is a line of an order mail, its amounts written in their
// currency.
type orderLine struct {
	SKU       string
	Quantity  int
	UnitPrice string
	Amount    string
}

// orderLines writes out an order's lines.
func orderLines(items []events.LineItem) []orderLine {
	lines := make([]orderLine, len(items))
	for i, it := range items {
		lines[i] = orderLine{SKU: it.SKU, Quantity: it.Quantity, UnitPrice: money.Format(it.UnitPrice),
			Amount: money.Format(events.Money{AmountMinor: it.UnitPrice.AmountMinor * int64(it.Quantity), Currency: it.UnitPrice.Currency})}
	}
	return lines
}

func orderConfirmationMail(p events.OrderConfirmed, to events.Contact) Mail {
	o := struct {
		OrderID string
		Lines   []orderLine
		Total   string
	}{p.OrderID, orderLines(p.Items), money.Format(p.Total)}
	var text, rows strings.Builder
	for _, l := range o.Lines {
		fmt.Fprintf(&text, "\n    %d × %s at %s = %s", l.Quantity, l.SKU, l.UnitPrice, l.Amount)
		rows.WriteString(htmlf(`<tr><td>%s</td><td align="right">%d</td><td align="right">%s</td><td align="right">%s</td></tr>
    `, l.SKU, l.Quantity, l.UnitPrice, l.Amount))
	}
	return Mail{
		Template: "order-confirmation", UserID: p.Customer.UserID, To: to.Email,
		Subject: "Your eventshop order " + shortID(o.OrderID),
		Text: fmt.Sprintf(`Hello %s,

thank you for your order %s. It is confirmed: your
payment went through and everything is set aside for you.
%s

    Total: %s

We will let you know when it ships.

%s
`, to.Name, o.OrderID, text.String(), o.Total, signature),
		HTML: page(htmlf(`<p>Hello %s,</p>
  <p>thank you for your order <code>%s</code>. It is confirmed: your payment went through and everything is set aside for you.</p>
  <table style="border-collapse: collapse">
    <tr><th align="left">Item</th><th align="right">Quantity</th><th align="right">Unit price</th><th align="right">Amount</th></tr>
    `, to.Name, o.OrderID) + rows.String() + htmlf(`<tr><th align="left" colspan="3">Total</th><th align="right">%s</th></tr>
  </table>
  <p>We will let you know when it ships.</p>`, o.Total)),
	}
}

func orderCancellationMail(p events.OrderCancelled, to events.Contact) Mail {
	o := struct {
		OrderID string
		Total   string
		Reason  string
	}{p.OrderID, money.Format(p.Total), p.Reason}
	var reasonText, reasonHTML string
	if o.Reason != "" {
		reasonText = "\nReason: " + o.Reason
		reasonHTML = htmlf("\n  <p>Reason: %s</p>", o.Reason)
	}
	return Mail{
		Template: "order-cancellation", UserID: p.Customer.UserID, To: to.Email,
		Subject: "Your eventshop order " + shortID(o.OrderID) + " is cancelled",
		Text: fmt.Sprintf(`Hello %s,

your order %s of %s is cancelled.%s

Your payment of %s is refunded.

%s
`, to.Name, o.OrderID, o.Total, reasonText, o.Total, signature),
		HTML: page(htmlf(`<p>Hello %s,</p>
  <p>your order <code>%s</code> of %s is cancelled.</p>`, to.Name, o.OrderID, o.Total) + reasonHTML + `
  ` + htmlf(`<p>Your payment of %s is refunded.</p>`, o.Total)),
	}
}

// rejectionWords say in a customer's words why an order did not go
// through, and what they can do.
var rejectionWords = map[string]string{
	events.RejectedPaymentDeclined: "Your payment was declined: your bank or card issuer did not accept it. " +
		"You can place the order again with another payment method.",
	events.RejectedPaymentUnavailable: "We could not reach our payment provider to take your payment. " +
		"Please try again in a few minutes.",
	events.RejectedOutOfStock: "We do not have enough of %s in stock to fill your order. " +
		"You can place it again with fewer, or without it.",
}

func orderRejectedMail(p events.OrderRejected, to events.Contact) Mail {
	why, ok := rejectionWords[p.Reason]
	if !ok {
		why = "We could not complete it."
	}
	if p.Reason == events.RejectedOutOfStock {
		why = fmt.Sprintf(why, p.SKU)
	}
	return orderEndedMail("order-rejected", p.OrderID, p.Customer.UserID, money.Format(p.Total), why, to)
}

func orderExpiredMail(p events.OrderExpired, to events.Contact) Mail {
	return orderEndedMail("order-expired", p.OrderID, p.Customer.UserID, money.Format(p.Total),
		"We could not take your payment and set your items aside in time. Please place it again.", to)
}

// orderEndedMail tells a customer that their order did not go through,
// why, and that nothing was charged.
func orderEndedMail(template, orderID, userID, total, why string, to events.Contact) Mail {
	return Mail{
		Template: template, UserID: userID, To: to.Email,
		Subject: "Your eventshop order " + shortID(orderID) + " could not be completed",
		Text: fmt.Sprintf(`Hello %s,

we are sorry: your order %s of %s could not be completed.

%s

Nothing was charged.

%s
`, to.Name, orderID, total, why, signature),
		HTML: page(htmlf(`<p>Hello %s,</p>
  <p>we are sorry: your order <code>%s</code> of %s could not be completed.</p>
  <p>%s</p>
  <p>Nothing was charged.</p>`, to.Name, orderID, total, why)),
	}
}

func orderShippedMail(p events.OrderShipped, to events.Contact) Mail {
	return Mail{
		Template: "order-shipped", UserID: p.Customer.UserID, To: to.Email,
		Subject: "Your eventshop order " + shortID(p.OrderID) + " has shipped",
		Text: fmt.Sprintf(`Hello %s,

your order %s has shipped with %s.
Its tracking number is %s.

%s
`, to.Name, p.OrderID, p.Carrier, p.TrackingNumber, signature),
		HTML: page(htmlf(`<p>Hello %s,</p>
  <p>your order <code>%s</code> has shipped with %s.</p>
  <p>Its tracking number is <strong>%s</strong>.</p>`, to.Name, p.OrderID, p.Carrier, p.TrackingNumber)),
	}
}

// page wraps an HTML mail's content in its document and signature.
func page(content string) string {
	return `<!DOCTYPE html>
<html lang="en">
<body style="font-family: sans-serif; line-height: 1.5">
  ` + content + `
  ` + htmlSignature + `
</body>
</html>
`
}

// htmlf is fmt.Sprintf for HTML: format is trusted markup, and every
// string argument is escaped.
func htmlf(format string, args ...any) string {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = html.EscapeString(s)
		}
	}
	return fmt.Sprintf(format, args...)
}

// shortID is the first block of a UUID, enough to tell orders apart in a
// subject line.
func shortID(id string) string {
	if len(id) >= 8 {
		return id[:8]
	}
	return id
}
