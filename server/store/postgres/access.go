package postgres

import (
	"slices"
	"strings"

	"github.com/parleychat/parley/server/chat"
)

// accessCond is the condition of chat.ChatFilter.Access on the chats
// table (alias c), with its arguments added to a: a chat whose group_ids
// share one with the agent's groups (an empty list is group 0), or that the
// agent is a present member of.
func accessCond(acc *chat.ChatAccess, a *args) string {
	var or []string
	if len(acc.GroupIDs) > 0 {
		or = append(or, "c.group_ids && "+a.add(acc.GroupIDs)+"::bigint[]")
		if slices.Contains(acc.GroupIDs, 0) {
			or = append(or, "cardinality(c.group_ids) = 0")
		}
	}
	if acc.MemberID != "" {
		or = append(or, "EXISTS (SELECT 1 FROM chat_users u WHERE u.chat_id = c.id AND u.user_id = "+a.add(acc.MemberID)+" AND u.present)")
	}
	if len(or) == 0 {
		return "false"
	}
	return "(" + strings.Join(or, " OR ") + ")"
}
