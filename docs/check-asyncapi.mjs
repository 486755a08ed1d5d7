// Validates an AsyncAPI document with the official parser, @asyncapi/parser,
// pinned in package.json: node docs/check-asyncapi.mjs docs/asyncapi.json.
// Exits 1 on any diagnostic of error severity, printing each diagnostic.
import { Parser, fromFile, DiagnosticSeverity } from '@asyncapi/parser';

const file = process.argv[2];
const parser = new Parser();
const { document, diagnostics } = await fromFile(parser, file).parse();
const severities = ['error', 'warning', 'info', 'hint'];
for (const d of diagnostics) {
  const where = d.path.join('.') || '(root)';
  console.log(`${file}: ${severities[d.severity]} ${d.code} at ${where}: ${d.message}`);
}
const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).length;
if (document) {
  console.log(`${file}: AsyncAPI ${document.version()}, ${document.channels().length} channels, ` +
    `${document.operations().length} operations, ${document.messages().length} messages, ${errors} errors (node ${process.version})`);
}
process.exit(errors || !document ? 1 : 0);
