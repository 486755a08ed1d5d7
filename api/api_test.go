package api_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/eventshop/eventshop/api"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/jsoncheck/schemagen"
)

func TestTheGeneratedValidatorsAreUpToDate(t *testing.T) {
	files, _ := filepath.Glob("schemas/*.json")
	want, err := schemagen.Generate("api", files, []string{"../events/schemas/common.json", "../events/schemas/envelope.json"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile("schemas_gen.go"); !bytes.Equal(got, want) {
		t.Error("schemas_gen.go is stale: run go generate ./api (make generate)")
	}
}

func TestEveryRouteHasItsSchemas(t *testing.T) {
	for _, routes := range contract.Routes() {
		for _, route := range routes {
			r, ok := api.For(route)
			if !ok {
				t.Errorf("%s has no schemas", route)
				continue
			}
			noBody := r.Status == 204
			if (api.Check(r.Response) == nil) != noBody || (r.Request != "") != (route.Method() == "POST" || route.Method() == "PUT") || (r.Request != "" && api.Check(r.Request) == nil) {
				t.Errorf("%s: request %q, response %q", route, r.Request, r.Response)
			}
		}
	}
	if api.Check(api.ErrorSchema) == nil {
		t.Error("no error schema")
	}
}
