package sqlite

import (
	"slices"
	"strings"

	"github.com/parleychat/parley/server/chat"
)

// accessCond is the condition of chat.ChatFilter.Access on the chats
// table (alias c): a chat whose group_ids share one with the agent's
// groups (an empty list is group 0), or that the agent is a present member
// of.
func accessCond(a *chat.ChatAccess) (string, []any) {
	var (
		or   []string
		args []any
	)
	if n := len(a.GroupIDs); n > 0 {
		or = append(or, "EXISTS (SELECT 1 FROM json_each(c.group_ids) g WHERE g.value IN (?"+strings.Repeat(", ?", n-1)+"))")
		for _, g := range a.GroupIDs {
			args = append(args, g)
		}
		if slices.Contains(a.GroupIDs, 0) {
			or = append(or, "json_array_length(c.group_ids) = 0")
		}
	}
	if a.MemberID != "" {
		or = append(or, "EXISTS (SELECT 1 FROM chat_users u WHERE u.chat_id = c.id AND u.user_id = ? AND u.present = 1)")
		args = append(args, a.MemberID)
	}
	if len(or) == 0 {
		return "0", nil
	}
	return "(" + strings.Join(or, " OR ") + ")", args
}
