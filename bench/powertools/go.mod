// The Powertools peer of make bench is a Node.js package: this go.mod keeps
// it, and its node_modules, out of the eventshop module's ./... .
module ignored/bench/powertools
