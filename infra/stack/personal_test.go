package stack

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/contract"
)

// personalEnv adds what a function that seals or opens is told: the keys
// table and the personal data key, and the reset token key if it writes or
// reads reset tokens.
func personalEnv(resetTokens bool, env map[contract.Var]any) map[contract.Var]any {
	env[contract.EnvKeysTable] = ref(testStack.Personal.Keys)
	env[contract.EnvPersonalDataKey] = getAtt(testStack.Personal.PersonalDataKey, "Arn")
	if resetTokens {
		env[contract.EnvResetTokenKey] = getAtt(testStack.Personal.ResetTokenKey, "Arn")
	}
	return env
}

// isKMSKeyARN says whether a template value is the ARN of one of the
// stack's KMS keys: a key's name, not a secret.
func isKMSKeyARN(value any) bool {
	b, _ := json.Marshal(value)
	for _, id := range ofType("AWS::KMS::Key") {
		if want, _ := json.Marshal(map[string]any{"Fn::GetAtt": []any{id, "Arn"}}); string(b) == string(want) {
			return true
		}
	}
	return false
}

func TestEveryRoleTouchesTheEventStoreInItsOwnStreamsOnly(t *testing.T) {
	table := logicalID(testStack.EventStore)
	for _, fn := range contract.Functions() {
		t.Run(string(fn), func(t *testing.T) {
			var prefixes []string
			for _, s := range fn.Streams() {
				prefixes = append(prefixes, string(s)+"*")
			}
			want, _ := json.Marshal(map[string]any{
				"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": prefixes},
				"Null":                    map[string]any{"dynamodb:LeadingKeys": "false"},
			})
			granted := false
			for _, s := range policyStatements(t, fn) {
				for _, r := range s.resources {
					if !strings.Contains(r, `"`+table+`"`) {
						continue
					}
					if strings.Contains(r, "/index/") {
						t.Errorf("%v is granted on an index of the event store, which only evctl reads", s.actions)
					}
					if strings.Contains(r, "StreamArn") {
						continue // the relay's stream, not the table's items
					}
					granted = true
					if s.conditions != string(want) {
						t.Errorf("%v on the event store under %s, want %s", s.actions, s.conditions, want)
					}
				}
			}
			if granted != (len(prefixes) > 0) {
				t.Errorf("the role is granted the event store: %v; the contract gives it streams %v", granted, fn.Streams())
			}
		})
	}
}

func TestEveryKMSGrantHoldsToItsPurpose(t *testing.T) {
	for _, fn := range contract.Functions() {
		for _, s := range policyStatements(t, fn) {
			if !slices.ContainsFunc(s.actions, func(a string) bool { return strings.HasPrefix(a, "kms:") }) {
				continue
			}
			if !strings.Contains(s.conditions, `"kms:EncryptionContext:`+contract.KMSContextPurpose+`"`) {
				t.Errorf("%s may %v for any purpose: %s", fn, s.actions, s.conditions)
			}
			if strings.Contains(s.conditions, contract.PurposePasswordReset) && slices.Contains(s.actions, "kms:Decrypt") && fn != contract.Notification {
				t.Errorf("%s may decrypt reset tokens", fn)
			}
		}
	}
}

func TestOnlyTheNotificationFunctionMayDecryptResetTokens(t *testing.T) {
	key := resources[logicalID(testStack.Personal.ResetTokenKey)]
	b, _ := json.Marshal(key.Properties["KeyPolicy"])
	var policy struct{ Statement []map[string]any }
	json.Unmarshal(b, &policy)
	notification, _ := function(t, contract.Notification)
	role := resources[notification].Properties["Role"]
	want, _ := json.Marshal(map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": role}})
	denied := map[string]bool{}
	for _, st := range policy.Statement {
		cond, _ := json.Marshal(st["Condition"])
		if st["Effect"] == "Deny" && st["Principal"].(map[string]any)["AWS"] == "*" && string(cond) == string(want) {
			for _, a := range asList(st["Action"]) {
				denied[a.(string)] = true
			}
		}
	}
	for _, a := range []string{"kms:Decrypt", "kms:ReEncryptFrom", "kms:CreateGrant"} {
		if !denied[a] {
			t.Errorf("the reset token key's policy does not deny %s to all but the notification function's role: %s", a, b)
		}
	}
	for _, k := range ofType("AWS::KMS::Key") {
		if resources[k].Properties["EnableKeyRotation"] != true {
			t.Errorf("KMS key %s is not rotated", k)
		}
	}
}

func TestTheKeysTableKeepsADeletedKeyAWeekAtMost(t *testing.T) {
	p := resources[logicalID(testStack.Personal.Keys)].Properties
	pitr, _ := p["PointInTimeRecoverySpecification"].(map[string]any)
	if pitr["PointInTimeRecoveryEnabled"] != true || pitr["RecoveryPeriodInDays"] != float64(7) {
		t.Errorf("point-in-time recovery = %v, want on, for 7 days", pitr)
	}
}
