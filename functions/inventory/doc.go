// Command inventory is the inventory service's Lambda function for the
// HTTP API: it sets and shows the stock of each item (PUT and GET
// /stock/{sku}). The reservations of orders are its sibling's,
// reservations/, which reads the order events from its queue; both keep
// the stock in the table of package stock.
package main
