// Reads a Parquet file with hyparquet (independent of Parquet.Net) and prints its schema and rows as one JSON object:
// {"numRows", "rowGroups", "keyValue", "columns":[{"name","type","logicalType","repetition"}], "rows":[{column: value}]}.
// 64-bit integers come back as BigInt and are printed as JSON numbers (exact up to 2^53, which ids stay under).
// Usage: node read.mjs FILE.parquet
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet'

const path = process.argv[2]
if (!path) {
  console.error('usage: node read.mjs FILE.parquet')
  process.exit(2)
}
const file = await asyncBufferFromFile(path)
const metadata = await parquetMetadataAsync(file)
const columns = parquetSchema(metadata).children.map(c => ({
  name: c.element.name,
  type: c.element.type,
  logicalType: c.element.logical_type?.type ?? c.element.converted_type ?? null,
  repetition: c.element.repetition_type,
}))
const rows = await parquetReadObjects({ file, metadata })
const keyValue = Object.fromEntries((metadata.key_value_metadata ?? []).map(kv => [kv.key, kv.value]))
const json = JSON.stringify({ numRows: Number(metadata.num_rows), rowGroups: metadata.row_groups.length, keyValue, columns, rows },
  (_, v) => typeof v === 'bigint' ? Number(v) : v)
process.stdout.write(json + '\n')
