// make bench's warm run answers the peer's AWS calls in its own process,
// as it answers the Go handlers' (bench/awsstub, of which this is a port):
// this is the requestHandler of the peer's AWS SDK clients when the
// harness sets BENCH_AWS_STUB=in-process. The SDK's whole pipeline runs
// (serialization, signing, retries, deserialization); only the socket
// goes: a request is answered with a response whose body is a stream, as
// Node's http would give it. Writes succeed, reads of the suppression
// stream find nothing, a data key read from the keys table is the one kept
// there (BENCH_AWS_STUB_KEYS: subject → item, as DynamoDB JSON), KMS
// unwraps a data key by dropping the stub's prefix. It counts each
// operation, and on SIGUSR2 prints the counts since the last signal to
// stderr: benchstats {"calls":{…}}.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';

const keysTable = process.env.KEYS_TABLE;
const keys = JSON.parse(readFileSync(process.env.BENCH_AWS_STUB_KEYS, 'utf8'));
const wrapPrefix = Buffer.from('wrapped by the stub:');

let calls = {};
const count = (call) => { calls[call] = (calls[call] ?? 0) + 1; };
process.on('SIGUSR2', () => {
  process.stderr.write(`benchstats ${JSON.stringify({ calls })}\n`);
  calls = {};
});

// lastString reads the string after the last occurrence of prefix in a
// request's JSON without parsing it, as bench/awsstub does: the SDK writes
// compact JSON, and the strings read here have no escapes.
function lastString(body, prefix) {
  const i = body.lastIndexOf(prefix);
  return i < 0 ? '' : body.slice(i + prefix.length, body.indexOf('"', i + prefix.length));
}

function dynamoDB(op, body) {
  const table = lastString(body, '"TableName":"'); // of a transaction, its last write's
  count(`DynamoDB.${op} ${table}`);
  if (op === 'PutItem' && table === keysTable) {
    const item = JSON.stringify(JSON.parse(body).Item);
    keys[lastString(item, '"subject":{"S":"')] = item;
  } else if (op === 'GetItem' && table === keysTable) {
    const item = keys[lastString(body, '"subject":{"S":"')];
    if (item) return `{"Item":${item}}`;
  } else if (op === 'Query') {
    return '{"Count":0,"Items":[],"ScannedCount":0}';
  }
  return '{}';
}

function kms(op, input) {
  count(`KMS.${op}`);
  if (op !== 'Decrypt') return [200, '{}'];
  const blob = Buffer.from(input.CiphertextBlob, 'base64');
  if (!blob.subarray(0, wrapPrefix.length).equals(wrapPrefix)) return [400, '{"__type":"InvalidCiphertextException"}'];
  return [200, JSON.stringify({ KeyId: input.KeyId, Plaintext: blob.subarray(wrapPrefix.length).toString('base64') })];
}

// answer is the stub's answer to a request: its status, content type and
// body.
function answer({ method, path, headers, body }) {
  const [service, op] = (headers['x-amz-target'] ?? headers['X-Amz-Target'] ?? '').split('.');
  const text = typeof body === 'string' ? body : Buffer.from(body ?? '').toString('utf8');
  if (service === 'DynamoDB_20120810') return [200, 'application/x-amz-json-1.0', dynamoDB(op, text)];
  if (service === 'TrentService') {
    const [status, out] = kms(op, JSON.parse(text));
    return [status, 'application/x-amz-json-1.1', out];
  }
  if (method === 'POST' && path === '/v2/email/outbound-emails') {
    count('SES.SendEmail');
    return [200, 'application/json', '{"MessageId":"0100018f-stub-0000"}'];
  }
  count(`unknown ${method} ${path} ${service}.${op}`);
  return [400, 'application/json', '{"__type":"UnknownOperationException"}'];
}

export const requestHandler = {
  async handle(request) {
    const [statusCode, contentType, out] = answer(request);
    const body = Buffer.from(out);
    const stream = new Readable({ read() {} });
    stream.push(body);
    stream.push(null);
    return { response: { statusCode, body: stream, headers: {
      'content-type': contentType, 'content-length': String(body.length), date: new Date().toUTCString(),
    } } };
  },
  updateHttpClientConfig() {},
  httpHandlerConfigs: () => ({}),
  destroy() {},
};
