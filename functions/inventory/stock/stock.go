// Package stock is the inventory service's stock table: how many of each
// item are available, reserved for orders not yet confirmed, and sold. It
// is written by PUT /stock/{sku} (the inventory function) and by the
// reservations of orders (the reservations function), which move
// quantities between the three in the same transaction as the event that
// records the move, so that stock is never negative and never counted
// twice.
package stock

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

// Level is the stock of one item. Available + Reserved + Sold only
// changes when an operator sets what is available.
type Level struct {
	SKU       string `json:"sku"`
	Available int64  `json:"available"`
	Reserved  int64  `json:"reserved"`
	Sold      int64  `json:"sold"`
}

// ErrNotFound means no stock was ever set for the item.
var ErrNotFound = errors.New("no stock of the item")

// ShortError reports that an item had less in the bucket a move takes
// from than the move asks: an order's item is out of stock. Nothing moved.
type ShortError struct {
	SKU string
}

// Error names the item.
func (e *ShortError) Error() string { return fmt.Sprintf("not enough of %s", e.SKU) }

// Bucket is one of an item's three quantities, by its attribute name.
type Bucket string

// The buckets an item's quantities move between.
const (
	Available Bucket = contract.StockAvailable
	Reserved  Bucket = contract.StockReserved
	Sold      Bucket = contract.StockSold
)

// Move takes each line's quantity out of From and puts it into To.
type Move struct {
	Lines    []events.StockLine
	From, To Bucket
}

// DynamoDB is the part of the DynamoDB client the table uses.
type DynamoDB interface {
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// Table keeps the stock in a DynamoDB table keyed by sku (the contract's
// StockKey), one item per SKU. It is safe for concurrent use.
type Table struct {
	db    DynamoDB
	table string
}

// NewTable returns the stock kept in the named table.
func NewTable(db DynamoDB, table string) *Table { return &Table{db: db, table: table} }

// Set makes n of the item available, whatever was before, and returns
// its level; what is reserved and sold stays.
func (t *Table) Set(ctx context.Context, sku string, n int64) (Level, error) {
	out, err := t.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        aws.String(t.table),
		Key:              key(sku),
		UpdateExpression: aws.String("SET #a = :n, #r = if_not_exists(#r, :zero), #s = if_not_exists(#s, :zero)"),
		ExpressionAttributeNames: map[string]string{
			"#a": contract.StockAvailable, "#r": contract.StockReserved, "#s": contract.StockSold,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": number(n), ":zero": number(0)},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		return Level{}, fmt.Errorf("set stock of %s: %w", sku, err)
	}
	return level(out.Attributes)
}

// Get returns the item's level, or ErrNotFound.
func (t *Table) Get(ctx context.Context, sku string) (Level, error) {
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(t.table), Key: key(sku), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Level{}, fmt.Errorf("read stock of %s: %w", sku, err)
	}
	if out.Item == nil {
		return Level{}, ErrNotFound
	}
	return level(out.Item)
}

// Writes returns the transaction's writes of a move, one per line in
// order: each on condition that the item exists and holds at least the
// line's quantity in m.From.
func (t *Table) Writes(m Move) []types.TransactWriteItem {
	out := make([]types.TransactWriteItem, len(m.Lines))
	for i, l := range m.Lines {
		out[i] = types.TransactWriteItem{Update: &types.Update{
			TableName:                 aws.String(t.table),
			Key:                       key(l.SKU),
			UpdateExpression:          aws.String("SET #from = #from - :q, #to = #to + :q"),
			ConditionExpression:       aws.String("#from >= :q"),
			ExpressionAttributeNames:  map[string]string{"#from": string(m.From), "#to": string(m.To)},
			ExpressionAttributeValues: map[string]types.AttributeValue{":q": number(int64(l.Quantity))},
		}}
	}
	return out
}

func key(sku string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{contract.StockKey: &types.AttributeValueMemberS{Value: sku}}
}

func number(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func level(item map[string]types.AttributeValue) (Level, error) {
	var l Level
	sku, ok := item[contract.StockKey].(*types.AttributeValueMemberS)
	if !ok {
		return Level{}, errors.New("a stock item without its sku")
	}
	l.SKU = sku.Value
	for attr, into := range map[string]*int64{contract.StockAvailable: &l.Available, contract.StockReserved: &l.Reserved, contract.StockSold: &l.Sold} {
		n, ok := item[attr].(*types.AttributeValueMemberN)
		if !ok {
			continue
		}
		v, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			return Level{}, fmt.Errorf("stock of %s: %s is %q", l.SKU, attr, n.Value)
		}
		*into = v
	}
	return l, nil
}
