// The peer of make bench: eventshop's notification consumer, for the
// welcome mail of user.registered, written as a team would on Powertools
// for AWS Lambda (TypeScript) and the AWS SDK for JavaScript v3. It makes
// the same AWS calls for each message as eventshop's: the idempotency
// claim and completion (Powertools idempotency, DynamoDB persistence),
// the recipient's data key (DynamoDB, then KMS, once per person per
// invocation), the suppression check, the mail (SES v2) and the
// notification.sent record; it validates the envelope and the payload
// with Powertools' parser (zod), logs a line and counts the mail
// (Powertools logger and metrics, EMF), and reports partial failures
// (Powertools batch).
//
// It is started as Lambda's Node.js runtime would start it: this module
// loads (imports, clients) before the first request for an invocation,
// then a loop asks the Runtime API at AWS_LAMBDA_RUNTIME_API for
// invocations and posts their results (runtime.mjs).
import { createDecipheriv, randomUUID } from 'node:crypto';

import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { parse } from '@aws-lambda-powertools/parser';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { DynamoDBClient, GetItemCommand, QueryCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { z } from 'zod';

import { start } from './runtime.mjs';

const env = process.env;
const logger = new Logger({ serviceName: 'notification' });
const metrics = new Metrics({ namespace: 'eventshop', serviceName: 'notification' });
// make bench's warm run answers the clients' AWS calls in this process
// (stub.mjs) when it sets BENCH_AWS_STUB; deployed, the clients take {}.
const clientConfig = env.BENCH_AWS_STUB === 'in-process' ? { requestHandler: (await import('./stub.mjs')).requestHandler } : {};
const dynamodb = new DynamoDBClient(clientConfig);
const kms = new KMSClient(clientConfig);
const ses = new SESv2Client(clientConfig);
const processor = new BatchProcessor(EventType.SQS);

// The envelope and user.registered v2, as eventshop's schemas say them
// (events/schemas/envelope.json, common.json, user.registered.v2.json).
const traceId = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:=+/-]+$/);
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UserRegistered = z.strictObject({
  userId: z.uuid(),
  contact: z.strictObject({
    subject: z.uuid(),
    ciphertext: z.string().min(40).max(4096).regex(base64).optional(),
  }),
});
const Envelope = z.strictObject({
  eventId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
  eventType: z.literal('user.registered'),
  eventVersion: z.literal(2),
  timestamp: z.iso.datetime().regex(/Z$/),
  source: z.string().regex(/^eventshop\.[a-z]+$/),
  data: UserRegistered,
  metadata: z.object({
    correlationId: traceId,
    causationId: traceId,
    traceHeader: z.string().max(256).regex(/^[A-Za-z0-9=;:.+/_-]+$/).optional(),
    replay: z.boolean().optional(),
  }),
});
const Delivery = EventBridgeSchema.extend({ detail: Envelope });
const Contact = z.strictObject({ email: z.email().max(254), name: z.string().min(1).max(100) });

const idempotency = new IdempotencyConfig({ eventKeyJmesPath: 'detail.eventId' });
const persistenceStore = new DynamoDBPersistenceLayer({ tableName: env.IDEMPOTENCY_TABLE, awsSdkV3Client: dynamodb });

// keys holds the data keys read in the current invocation.
let keys = new Map();

async function contactOf(sealed) {
  let key = keys.get(sealed.subject);
  if (!key) {
    const item = await dynamodb.send(new GetItemCommand({
      TableName: env.KEYS_TABLE, ConsistentRead: true,
      Key: { subject: { S: sealed.subject } },
      ProjectionExpression: '#w', ExpressionAttributeNames: { '#w': 'wrappedKey' },
    }));
    const wrapped = item.Item?.wrappedKey?.B;
    if (!wrapped) throw new Error(`no data key for ${sealed.subject}`);
    const out = await kms.send(new DecryptCommand({
      KeyId: env.PERSONAL_DATA_KEY, CiphertextBlob: wrapped,
      EncryptionContext: { 'eventshop:purpose': 'personal-data', 'eventshop:subject': sealed.subject },
    }));
    key = out.Plaintext;
    keys.set(sealed.subject, key);
  }
  const box = Buffer.from(sealed.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, box.subarray(0, 12));
  decipher.setAAD(Buffer.from(`eventshop sealed v1 subject=${sealed.subject}`));
  decipher.setAuthTag(box.subarray(box.length - 16));
  const clear = Buffer.concat([decipher.update(box.subarray(12, box.length - 16)), decipher.final()]);
  return Contact.parse(JSON.parse(clear.toString('utf8')));
}

const escape = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function welcome(delivery) {
  const env = delivery.detail;
  const user = env.data;
  const to = await contactOf(user.contact);
  const suppression = await dynamodb.send(new QueryCommand({
    TableName: process.env.EVENTS_TABLE, Limit: 1, ScanIndexForward: false,
    KeyConditionExpression: 'streamId = :s', ExpressionAttributeValues: { ':s': { S: `suppression-${user.userId}` } },
  }));
  if (suppression.Count > 0) {
    logger.info('recipient suppressed', { event_id: env.eventId, user_id: user.userId });
    return 'suppressed';
  }
  const subject = 'Welcome to eventshop';
  const sent = await ses.send(new SendEmailCommand({
    FromEmailAddress: process.env.MAIL_FROM, ConfigurationSetName: process.env.MAIL_CONFIGURATION_SET,
    EmailTags: [
      { Name: 'user_id', Value: user.userId }, { Name: 'template', Value: 'welcome' }, { Name: 'event_id', Value: env.eventId },
    ],
    Destination: { ToAddresses: [to.email] },
    Content: { Simple: {
      Subject: { Data: subject, Charset: 'UTF-8' },
      Body: {
        Text: { Data: `Hello ${to.name},\n\nwelcome to eventshop! Your account for ${to.email} is ready.\n\nYou can now place orders with your user id:\n\n    ${user.userId}\n`, Charset: 'UTF-8' },
        Html: { Data: `<!doctype html><html><body><h1>Welcome to eventshop, ${escape(to.name)}!</h1><p>Your account for <strong>${escape(to.email)}</strong> is ready.</p><p>You can now place orders with your user id: <code>${escape(user.userId)}</code></p></body></html>`, Charset: 'UTF-8' },
      },
    } },
  }));
  metrics.addMetric('MailsSent', MetricUnit.Count, 1);
  const record = {
    eventId: randomUUID(), eventType: 'notification.sent', eventVersion: 2, timestamp: new Date().toISOString(),
    source: 'eventshop.notification',
    data: { template: 'welcome', userId: user.userId, subject, messageId: sent.MessageId },
    metadata: { correlationId: env.metadata.correlationId, causationId: env.eventId },
  };
  await dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: {
    TableName: process.env.EVENTS_TABLE, ConditionExpression: 'attribute_not_exists(streamId)',
    Item: {
      streamId: { S: `notification-${env.eventId}` }, version: { N: '1' },
      eventType: { S: 'notification.sent' }, envelope: { S: JSON.stringify(record) },
    },
  } }] }));
  logger.info('mail sent', { event_id: env.eventId, user_id: user.userId, ses_message_id: sent.MessageId });
  return sent.MessageId;
}

const welcomeOnce = makeIdempotent(welcome, { persistenceStore, config: idempotency });

// The record handler parses the message's body, the envelope and its
// payload, and hands the result to the idempotent welcome.
const record = async (message) => welcomeOnce(parse(JSON.parse(message.body), undefined, Delivery));

export const handler = async (event, context) => {
  keys = new Map();
  idempotency.registerLambdaContext(context);
  try {
    return await processPartialResponse(event, record, processor, { context });
  } finally {
    metrics.publishStoredMetrics();
  }
};

start(handler);
