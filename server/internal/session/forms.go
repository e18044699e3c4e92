package session

import (
	"encoding/json"

	"github.com/parleychat/parley/server/chat"
)

// offlineForm is get_form's form of type "offline", in LiveChat's shape:
// what the widget shows while every group is offline. The answers come
// back as a filled_form event of form_id "offline" (chat/offline.go).
var offlineForm = mustJSON(map[string]any{
	"id": chat.OfflineFormID,
	"fields": []map[string]any{
		{"id": "header", "type": "header", "label": "Our agents are not available right now. Leave a message and we will answer by e-mail."},
		{"id": chat.OfflineFieldName, "type": "name", "label": "Name", "required": false},
		{"id": chat.OfflineFieldEmail, "type": "email", "label": "E-mail", "required": true},
		{"id": chat.OfflineFieldMessage, "type": "textarea", "label": "Message", "required": true},
	},
})

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
