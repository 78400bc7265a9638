// Validates RDF data against SHACL shapes with rdf-validate-shacl:
//   node validate.mjs DATA.jsonld SHAPES.ttl [MORE_SHAPES.ttl…]
// Prints the validation report as JSON; exits 0 when the data conforms,
// 1 when it does not, 2 on a usage or parse error. No network: the data's
// JSON-LD context must be inline.
import rdf from '@zazuko/env-node'
import SHACLValidator from 'rdf-validate-shacl'

const [data, ...shapeFiles] = process.argv.slice(2)
if (!data || shapeFiles.length === 0) {
  console.error('usage: node validate.mjs DATA.jsonld SHAPES.ttl…')
  process.exit(2)
}
try {
  const shapes = rdf.dataset()
  for (const f of shapeFiles) {
    await shapes.import(rdf.fromFile(f))
  }
  const dataset = await rdf.dataset().import(rdf.fromFile(data))
  const validator = new SHACLValidator(shapes, { factory: rdf })
  const report = await validator.validate(dataset)
  const results = report.results.map(r => ({
    focusNode: r.focusNode?.value,
    path: r.path?.value,
    message: r.message.map(m => m.value),
    severity: r.severity?.value,
    sourceShape: r.sourceShape?.value,
  }))
  console.log(JSON.stringify({ conforms: report.conforms, triples: dataset.size, results }, null, 1))
  process.exit(report.conforms ? 0 : 1)
} catch (e) {
  console.error(String(e && e.stack || e))
  process.exit(2)
}
