package esm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/localstack/provision"
)

// Stream polls a DynamoDB stream for one mapping. Records of a shard are
// delivered in order, one batch at a time: a failing batch holds up its
// shard until it succeeds, its retries are exhausted, or its records are
// too old; then it goes to the on-failure destination and the shard moves on.
type Stream struct {
	Mapping  provision.EventSourceMapping
	Streams  *dynamodbstreams.Client
	SQS      *sqs.Client
	Invoker  *Invoker
	Region   string
	Log      io.Writer
	Interval time.Duration // between polls of an idle shard; 25 ms if zero

	busy atomic.Int32 // shards whose last read returned records, or failed
}

// Drained says whether every shard's last read found nothing more to
// deliver: the stream's records so far are handled. The runner waits for
// it before it stops the emulator, whose stream records do not survive a
// restart.
func (s *Stream) Drained() bool { return s.busy.Load() == 0 }

// Run polls every shard until ctx is done.
func (s *Stream) Run(ctx context.Context) error {
	if s.Interval == 0 {
		s.Interval = 25 * time.Millisecond
	}
	if arn := s.Mapping.OnFailureARN; arn != "" && !strings.HasPrefix(arn, "arn:aws:sqs:") {
		return fmt.Errorf("on-failure destination %s: only SQS queues are supported locally", arn)
	}
	shards, err := s.shards(ctx)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for _, shard := range shards {
		parent := aws.ToString(shard.ParentShardId)
		if parent != "" && slices.ContainsFunc(shards, func(sh streamtypes.Shard) bool { return aws.ToString(sh.ShardId) == parent }) {
			continue // its parent's reader goes on with it
		}
		wg.Go(func() { s.readShard(ctx, aws.ToString(shard.ShardId), s.Mapping.StartingPosition) })
	}
	wg.Wait()
	return nil
}

// shards lists the stream's shards, every page, retrying until ctx is done.
func (s *Stream) shards(ctx context.Context) ([]streamtypes.Shard, error) {
	for {
		var shards []streamtypes.Shard
		in := &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(s.Mapping.EventSourceARN)}
		var err error
		for {
			var out *dynamodbstreams.DescribeStreamOutput
			if out, err = s.Streams.DescribeStream(ctx, in); err != nil {
				break
			}
			shards = append(shards, out.StreamDescription.Shards...)
			if out.StreamDescription.LastEvaluatedShardId == nil {
				return shards, nil
			}
			in.ExclusiveStartShardId = out.StreamDescription.LastEvaluatedShardId
		}
		logf(s.Log, s.name(), "describe stream: %v; trying again", err)
		if !sleep(ctx, time.Second) {
			return nil, ctx.Err()
		}
	}
}

func (s *Stream) name() string {
	return "ddb→" + s.Mapping.FunctionName[:min(len(s.Mapping.FunctionName), 40)]
}

// readShard reads one shard from position to its end, then its children.
func (s *Stream) readShard(ctx context.Context, shardID, position string) {
	var last string // sequence number of the last record handled
	iterator := ""
	busy := true
	s.busy.Add(1)
	setBusy := func(b bool) {
		switch {
		case b && !busy:
			s.busy.Add(1)
		case !b && busy:
			s.busy.Add(-1)
		}
		busy = b
	}
	defer setBusy(false)
	for ctx.Err() == nil {
		if iterator == "" {
			it, err := s.iterator(ctx, shardID, position, last)
			if err != nil {
				logf(s.Log, s.name(), "shard %s: %v", shardID, err)
				sleep(ctx, time.Second)
				continue
			}
			iterator = it
		}
		out, err := s.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(iterator), Limit: aws.Int32(int32(min(s.Mapping.BatchSize, 1000)))})
		if err != nil {
			if ctx.Err() == nil {
				logf(s.Log, s.name(), "shard %s: get records: %v", shardID, err)
				// Iterators are single-use: start again after the last record
				// handled, or, if none was, from the oldest record rather
				// than LATEST, which would skip what arrived meanwhile. The
				// function may see records again; it never misses one.
				iterator = ""
				if last == "" {
					position = string(streamtypes.ShardIteratorTypeTrimHorizon)
				}
				sleep(ctx, time.Second)
			}
			continue
		}
		setBusy(len(out.Records) > 0)
		var batch []lambdaevents.DynamoDBEventRecord
		for _, r := range out.Records {
			rec := s.record(r)
			if last == "" || sequenceAfter(rec.Change.SequenceNumber, last) {
				batch = append(batch, rec)
			}
		}
		if len(batch) > 0 {
			s.process(ctx, shardID, batch, 0)
			last = batch[len(batch)-1].Change.SequenceNumber
		}
		if out.NextShardIterator == nil {
			setBusy(false)
			s.readChildren(ctx, shardID)
			return
		}
		iterator = aws.ToString(out.NextShardIterator)
		if len(out.Records) == 0 {
			sleep(ctx, s.Interval)
		}
	}
}

func (s *Stream) iterator(ctx context.Context, shardID, position, after string) (string, error) {
	in := &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(s.Mapping.EventSourceARN), ShardId: aws.String(shardID),
		ShardIteratorType: streamtypes.ShardIteratorType(position),
	}
	if after != "" {
		// The emulator reads this as TRIM_HORIZON; readShard skips what it
		// already handled either way.
		in.ShardIteratorType, in.SequenceNumber = streamtypes.ShardIteratorTypeAfterSequenceNumber, aws.String(after)
	}
	out, err := s.Streams.GetShardIterator(ctx, in)
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ShardIterator), nil
}

// readChildren reads the shards that a closed shard split into, waiting
// for them to be listed.
func (s *Stream) readChildren(ctx context.Context, parent string) {
	for ctx.Err() == nil {
		shards, err := s.shards(ctx)
		if err != nil {
			return
		}
		var wg sync.WaitGroup
		for _, sh := range shards {
			if aws.ToString(sh.ParentShardId) == parent {
				wg.Go(func() { s.readShard(ctx, aws.ToString(sh.ShardId), string(streamtypes.ShardIteratorTypeTrimHorizon)) })
			}
		}
		if found := slices.ContainsFunc(shards, func(sh streamtypes.Shard) bool { return aws.ToString(sh.ParentShardId) == parent }); found {
			wg.Wait()
			return
		}
		sleep(ctx, time.Second)
	}
}

// process delivers a batch until it succeeds or ends at the on-failure
// destination. attempts counts the retries already made.
func (s *Stream) process(ctx context.Context, shardID string, batch []lambdaevents.DynamoDBEventRecord, attempts int) {
	backoff := 100 * time.Millisecond
	for len(batch) > 0 && ctx.Err() == nil {
		if batch = s.dropExpired(ctx, shardID, batch, attempts); len(batch) == 0 {
			return
		}
		resp, err := s.Invoker.Invoke(ctx, s.Mapping.FunctionName, lambdaevents.DynamoDBEvent{Records: batch})
		var retry []lambdaevents.DynamoDBEventRecord
		switch {
		case err != nil && !errors.Is(err, ErrFunction):
			// The function did not run: not an attempt, as with throttling.
			if ctx.Err() == nil {
				logf(s.Log, s.name(), "shard %s: %v; trying again", shardID, err)
				sleep(ctx, time.Second)
			}
			continue
		case err != nil:
			retry = batch
		case s.Mapping.ReportBatchItemFailures:
			from, ok := firstFailed(resp, batch)
			switch {
			case !ok:
				err = fmt.Errorf("invalid batch item failures %s", resp)
				retry = batch
			case from >= 0:
				err = fmt.Errorf("%d of %d records reported failed", len(batch)-from, len(batch))
				retry = batch[from:]
			}
		}
		if retry == nil {
			return
		}
		attempts++
		if s.Mapping.MaxRetryAttempts >= 0 && attempts > s.Mapping.MaxRetryAttempts {
			logf(s.Log, s.name(), "shard %s: %d records failed %d times (%v); sent to the on-failure destination", shardID, len(retry), attempts, err)
			s.onFailure(ctx, shardID, retry, "RetryAttemptsExhausted", attempts)
			return
		}
		logf(s.Log, s.name(), "shard %s: retry %d of %d records: %v", shardID, attempts, len(retry), err)
		if s.Mapping.BisectOnError && errors.Is(err, ErrFunction) && len(retry) > 1 {
			// Each half gets its own retries, so a record that always
			// fails ends alone at the on-failure destination rather than
			// with healthy neighbours.
			half := len(retry) / 2
			s.process(ctx, shardID, retry[:half], 0)
			s.process(ctx, shardID, retry[half:], 0)
			return
		}
		batch = retry
		sleep(ctx, backoff)
		backoff = min(backoff*2, 5*time.Second)
	}
}

// firstFailed returns the index of the earliest record a partial batch
// response reports, -1 if none; not ok if an identifier is empty or not in
// the batch, which Lambda counts as the whole batch failing.
func firstFailed(resp []byte, batch []lambdaevents.DynamoDBEventRecord) (int, bool) {
	if len(resp) == 0 || string(resp) == "null" {
		return -1, true
	}
	var r lambdaevents.DynamoDBEventResponse
	if err := json.Unmarshal(resp, &r); err != nil {
		return 0, false
	}
	first := -1
	for _, f := range r.BatchItemFailures {
		idx := -1
		for i, rec := range batch {
			if rec.Change.SequenceNumber == f.ItemIdentifier {
				idx = i
				break
			}
		}
		if idx < 0 {
			return 0, false
		}
		if first < 0 || idx < first {
			first = idx
		}
	}
	return first, true
}

func (s *Stream) dropExpired(ctx context.Context, shardID string, batch []lambdaevents.DynamoDBEventRecord, attempts int) []lambdaevents.DynamoDBEventRecord {
	if s.Mapping.MaxRecordAge <= 0 {
		return batch
	}
	cutoff := time.Now().Add(-s.Mapping.MaxRecordAge)
	n := 0
	for n < len(batch) && !batch[n].Change.ApproximateCreationDateTime.IsZero() && batch[n].Change.ApproximateCreationDateTime.Before(cutoff) {
		n++
	}
	if n > 0 {
		s.onFailure(ctx, shardID, batch[:n], "RecordAgeExceeded", attempts)
	}
	return batch[n:]
}

// onFailure sends Lambda's description of a discarded batch to the
// mapping's on-failure destination; the records stay in the stream.
func (s *Stream) onFailure(ctx context.Context, shardID string, batch []lambdaevents.DynamoDBEventRecord, condition string, attempts int) {
	if s.Mapping.OnFailureARN == "" {
		logf(s.Log, s.name(), "shard %s: %d records discarded (%s); no on-failure destination", shardID, len(batch), condition)
		return
	}
	first, last := batch[0], batch[len(batch)-1]
	msg := map[string]any{
		"version":   "1.0",
		"timestamp": time.Now().UTC().Format(time.RFC3339Nano),
		"requestContext": map[string]any{
			"requestId": uuid.NewString(), "functionArn": s.Mapping.FunctionARN,
			"condition": condition, "approximateInvokeCount": attempts,
		},
		"responseContext": map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
		"DDBStreamBatchInfo": map[string]any{
			"shardId":                         shardID,
			"startSequenceNumber":             first.Change.SequenceNumber,
			"endSequenceNumber":               last.Change.SequenceNumber,
			"approximateArrivalOfFirstRecord": first.Change.ApproximateCreationDateTime.UTC().Format(time.RFC3339),
			"approximateArrivalOfLastRecord":  last.Change.ApproximateCreationDateTime.UTC().Format(time.RFC3339),
			"batchSize":                       len(batch),
			"streamArn":                       s.Mapping.EventSourceARN,
		},
	}
	body, _ := json.Marshal(msg)
	for ctx.Err() == nil {
		url, err := s.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(resourceName(s.Mapping.OnFailureARN))})
		if err == nil {
			_, err = s.SQS.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url.QueueUrl, MessageBody: aws.String(string(body))})
		}
		if err == nil {
			return
		}
		logf(s.Log, s.name(), "on-failure destination: %v; trying again", err)
		sleep(ctx, time.Second)
	}
}

// record converts a stream record to what Lambda passes the function.
func (s *Stream) record(r streamtypes.Record) lambdaevents.DynamoDBEventRecord {
	out := lambdaevents.DynamoDBEventRecord{
		AWSRegion:      aws.ToString(r.AwsRegion),
		EventID:        aws.ToString(r.EventID),
		EventName:      string(r.EventName),
		EventSource:    aws.ToString(r.EventSource),
		EventVersion:   aws.ToString(r.EventVersion),
		EventSourceArn: s.Mapping.EventSourceARN,
	}
	if out.AWSRegion == "" {
		out.AWSRegion = s.Region
	}
	if d := r.Dynamodb; d != nil {
		out.Change = lambdaevents.DynamoDBStreamRecord{
			Keys:           attributes(d.Keys),
			NewImage:       attributes(d.NewImage),
			OldImage:       attributes(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber),
			SizeBytes:      aws.ToInt64(d.SizeBytes),
			StreamViewType: string(d.StreamViewType),
		}
		if d.ApproximateCreationDateTime != nil {
			out.Change.ApproximateCreationDateTime = lambdaevents.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
		}
	}
	return out
}

func attributes(m map[string]streamtypes.AttributeValue) map[string]lambdaevents.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]lambdaevents.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = attribute(v)
	}
	return out
}

func attribute(v streamtypes.AttributeValue) lambdaevents.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return lambdaevents.NewStringAttribute(v.Value)
	case *streamtypes.AttributeValueMemberN:
		return lambdaevents.NewNumberAttribute(v.Value)
	case *streamtypes.AttributeValueMemberB:
		return lambdaevents.NewBinaryAttribute(v.Value)
	case *streamtypes.AttributeValueMemberBOOL:
		return lambdaevents.NewBooleanAttribute(v.Value)
	case *streamtypes.AttributeValueMemberNULL:
		return lambdaevents.NewNullAttribute()
	case *streamtypes.AttributeValueMemberSS:
		return lambdaevents.NewStringSetAttribute(v.Value)
	case *streamtypes.AttributeValueMemberNS:
		return lambdaevents.NewNumberSetAttribute(v.Value)
	case *streamtypes.AttributeValueMemberBS:
		return lambdaevents.NewBinarySetAttribute(v.Value)
	case *streamtypes.AttributeValueMemberM:
		return lambdaevents.NewMapAttribute(attributes(v.Value))
	case *streamtypes.AttributeValueMemberL:
		list := make([]lambdaevents.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			list[i] = attribute(e)
		}
		return lambdaevents.NewListAttribute(list)
	}
	return lambdaevents.NewNullAttribute()
}

// sequenceAfter compares stream sequence numbers, which are decimal
// strings of up to 40 digits.
func sequenceAfter(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}
