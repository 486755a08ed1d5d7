package contract

// SourceMetadata is the template metadata key, on each function, that
// names the Go package its bootstrap is built from. The local runner reads
// it to build the function for the host; AWS ignores it.
const SourceMetadata = "eventshop:source"
