package template_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/localstack/template"
)

func parse(t *testing.T, src string) *template.Template {
	t.Helper()
	var tpl template.Template
	if err := json.Unmarshal([]byte(src), &tpl); err != nil {
		t.Fatal(err)
	}
	return &tpl
}

func TestOrderPutsEveryResourceAfterWhatItRefersTo(t *testing.T) {
	tpl := parse(t, `{"Resources": {
		"Fn":     {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Environment": {"Variables": {"T": {"Ref": "Table"}}}}, "DependsOn": "Policy"},
		"Policy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}], "Doc": {"Fn::Sub": "${Table.Arn}/index/*"}}},
		"Role":   {"Type": "AWS::IAM::Role"},
		"Table":  {"Type": "AWS::DynamoDB::Table", "Properties": {"Name": {"Fn::Sub": ["${X}-t", {"X": {"Ref": "AWS::Region"}}]}}}
	}}`)
	order, err := tpl.Order()
	if err != nil {
		t.Fatal(err)
	}
	pos := func(id string) int { return slices.Index(order, id) }
	for _, edge := range [][2]string{{"Role", "Fn"}, {"Table", "Fn"}, {"Policy", "Fn"}, {"Role", "Policy"}, {"Table", "Policy"}} {
		if pos(edge[0]) > pos(edge[1]) {
			t.Errorf("%s comes after %s in %v", edge[0], edge[1], order)
		}
	}
}

func TestOrderRefusesCyclesAndUnknownReferences(t *testing.T) {
	for name, src := range map[string]string{
		"a cycle":           `{"Resources": {"A": {"Type": "X", "DependsOn": ["B"]}, "B": {"Type": "X", "Properties": {"P": {"Ref": "A"}}}}}`,
		"an unknown target": `{"Resources": {"A": {"Type": "X", "Properties": {"P": {"Fn::GetAtt": ["Nope", "Arn"]}}}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parse(t, src).Order(); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestResolveEvaluatesIntrinsics(t *testing.T) {
	r := template.NewResolver(map[string]string{"AWS::Region": "eu-west-1", "AWS::AccountId": "000000000000", "AWS::Partition": "aws"})
	r.Set("Queue", "http://q/1", map[string]string{"Arn": "arn:aws:sqs:eu-west-1:000000000000:q1", "QueueName": "q1"})
	r.Conditions = map[string]any{"IsEU": map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "AWS::Region"}, "eu-west-1"}}}
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"Ref to a resource", `{"Ref": "Queue"}`, `"http://q/1"`},
		{"GetAtt as a list", `{"Fn::GetAtt": ["Queue", "Arn"]}`, `"arn:aws:sqs:eu-west-1:000000000000:q1"`},
		{"GetAtt as a dotted string", `{"Fn::GetAtt": "Queue.QueueName"}`, `"q1"`},
		{"Sub with pseudo parameters and attributes", `{"Fn::Sub": "arn:${AWS::Partition}:x:${AWS::Region}:${Queue.QueueName}:${!Literal}"}`, `"arn:aws:x:eu-west-1:q1:${Literal}"`},
		{"Sub with its own variables", `{"Fn::Sub": ["${A}-${AWS::Region}", {"A": {"Ref": "Queue"}}]}`, `"http://q/1-eu-west-1"`},
		{"Join", `{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sqs"]]}`, `"arn:aws:sqs"`},
		{"Select of Split", `{"Fn::Select": [1, {"Fn::Split": ["/", "a/b/c"]}]}`, `"b"`},
		{"If on a condition", `{"Fn::If": ["IsEU", "yes", "no"]}`, `"yes"`},
		{"NoValue drops the property", `{"Keep": 1, "Drop": {"Ref": "AWS::NoValue"}}`, `{"Keep":1}`},
		{"nested in lists and maps", `{"List": [{"Ref": "Queue"}, 2, true]}`, `{"List":["http://q/1",2,true]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in any
			if err := json.Unmarshal([]byte(tt.in), &in); err != nil {
				t.Fatal(err)
			}
			out, err := r.Resolve(in)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(out)
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestResolveNamesWhatItCannotResolve(t *testing.T) {
	r := template.NewResolver(nil)
	for _, in := range []string{`{"Ref": "Missing"}`, `{"Fn::GetAtt": ["Missing", "Arn"]}`, `{"Fn::Sub": "${Missing}"}`, `{"Fn::ImportValue": "x"}`} {
		var v any
		_ = json.Unmarshal([]byte(in), &v)
		_, err := r.Resolve(v)
		if err == nil || !(strings.Contains(err.Error(), "Missing") || strings.Contains(err.Error(), "ImportValue")) {
			t.Errorf("Resolve(%s) = %v, want an error naming what is missing", in, err)
		}
	}
}
