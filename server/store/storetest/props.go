package storetest

import (
	"testing"

	"github.com/parleychat/parley/server/chat"
)

// propsTarget is one kind of thing that has properties.
type propsTarget struct {
	name string
	// setup makes a chat and returns the ids the property methods need,
	// with the properties it starts with.
	setup  func(e *env, initial chat.Properties) (chatID, threadID, eventID string)
	update func(e *env, chatID, threadID, eventID string, p chat.Properties) error
	delete func(e *env, chatID, threadID, eventID string, p chat.PropertyNames) error
	read   func(e *env, chatID, threadID, eventID string) chat.Properties
}

var propsTargets = []propsTarget{
	{
		name: "Chat",
		setup: func(e *env, initial chat.Properties) (string, string, string) {
			c, th := e.newChat(func(nc *chat.NewChat) { nc.Chat.Properties = initial })
			return c.ID, th.ID, th.Events[0].ID
		},
		update: func(e *env, chatID, _, _ string, p chat.Properties) error {
			return e.s.UpdateChatProperties(e.ctx, chatID, p)
		},
		delete: func(e *env, chatID, _, _ string, p chat.PropertyNames) error {
			return e.s.DeleteChatProperties(e.ctx, chatID, p)
		},
		read: func(e *env, chatID, _, _ string) chat.Properties {
			e.t.Helper()
			return e.chat(chatID).Properties
		},
	},
	{
		name: "Thread",
		setup: func(e *env, initial chat.Properties) (string, string, string) {
			c, th := e.newChat(func(nc *chat.NewChat) { nc.Thread.Properties = initial })
			return c.ID, th.ID, th.Events[0].ID
		},
		update: func(e *env, chatID, threadID, _ string, p chat.Properties) error {
			return e.s.UpdateThreadProperties(e.ctx, chatID, threadID, p)
		},
		delete: func(e *env, chatID, threadID, _ string, p chat.PropertyNames) error {
			return e.s.DeleteThreadProperties(e.ctx, chatID, threadID, p)
		},
		read: func(e *env, chatID, threadID, _ string) chat.Properties {
			e.t.Helper()
			ts, _, err := e.s.Threads(e.ctx, chatID, 0, 0)
			e.must(err, "Threads")
			for _, th := range ts {
				if th.ID == threadID {
					byID := e.thread(chatID, threadID)
					checkProps(e.t, "Threads vs ThreadsByID", th.Properties, byID.Properties)
					return th.Properties
				}
			}
			e.fatalf("thread %s not in Threads", threadID)
			return nil
		},
	},
	{
		name: "Event",
		setup: func(e *env, initial chat.Properties) (string, string, string) {
			c, th := e.newChat(func(nc *chat.NewChat) { nc.Events[0].Properties = initial })
			return c.ID, th.ID, th.Events[0].ID
		},
		update: func(e *env, chatID, threadID, eventID string, p chat.Properties) error {
			return e.s.UpdateEventProperties(e.ctx, chatID, threadID, eventID, p)
		},
		delete: func(e *env, chatID, threadID, eventID string, p chat.PropertyNames) error {
			return e.s.DeleteEventProperties(e.ctx, chatID, threadID, eventID, p)
		},
		read: func(e *env, chatID, threadID, eventID string) chat.Properties {
			e.t.Helper()
			for _, ev := range e.thread(chatID, threadID).Events {
				if ev.ID == eventID {
					return ev.Properties
				}
			}
			e.fatalf("event %s not in its thread", eventID)
			return nil
		},
	},
}

func testProperties(t *testing.T, mk func(*testing.T) *env) {
	for _, target := range propsTargets {
		t.Run(target.name, func(t *testing.T) { testPropsOf(t, mk, target) })
	}
}

func testPropsOf(t *testing.T, mk func(*testing.T) *env, pt propsTarget) {
	initial := func() chat.Properties {
		return chat.Properties{"routing": {"queue": "sales", "priority": 1.0}, "shop": {"cart": 3.0}}
	}
	t.Run("Initial", func(t *testing.T) {
		e := mk(t)
		c, th, ev := pt.setup(e, initial())
		checkProps(t, pt.name, pt.read(e, c, th, ev), initial())
	})
	t.Run("UpdateMerges", func(t *testing.T) {
		e := mk(t)
		c, th, ev := pt.setup(e, initial())
		e.must(pt.update(e, c, th, ev, chat.Properties{
			"routing": {"priority": 2.0, "vip": true},
			"new":     {"k": "v"},
		}), "update")
		checkProps(t, pt.name, pt.read(e, c, th, ev), chat.Properties{
			"routing": {"queue": "sales", "priority": 2.0, "vip": true},
			"shop":    {"cart": 3.0},
			"new":     {"k": "v"},
		})
	})
	t.Run("UpdateWithoutInitial", func(t *testing.T) {
		e := mk(t)
		c, th, ev := pt.setup(e, nil)
		checkProps(t, pt.name, pt.read(e, c, th, ev), nil)
		e.must(pt.update(e, c, th, ev, chat.Properties{"a": {"b": "c"}}), "update")
		checkProps(t, pt.name, pt.read(e, c, th, ev), chat.Properties{"a": {"b": "c"}})
	})
	t.Run("ValueTypes", func(t *testing.T) {
		e := mk(t)
		c, th, ev := pt.setup(e, nil)
		values := map[string]any{
			"string": "héllo \"x\"",
			"int":    42,
			"float":  -0.125,
			"big":    9007199254740991.0,
			"true":   true,
			"false":  false,
			"nested": map[string]any{"list": []any{1.0, "two", map[string]any{"three": 3.0}}, "null": nil},
			"empty":  "",
		}
		e.must(pt.update(e, c, th, ev, chat.Properties{"types": values}), "update")
		got := pt.read(e, c, th, ev)
		checkProps(t, pt.name, got, chat.Properties{"types": values})
		// Numbers come back as float64.
		if n, ok := got["types"]["int"].(float64); !ok || n != 42 {
			t.Errorf("int property: got %T %v, want float64 42", got["types"]["int"], got["types"]["int"])
		}
		if b, ok := got["types"]["true"].(bool); !ok || !b {
			t.Errorf("bool property: got %T %v, want bool true", got["types"]["true"], got["types"]["true"])
		}
		if _, ok := got["types"]["nested"].(map[string]any); !ok {
			t.Errorf("nested property: got %T, want map[string]any", got["types"]["nested"])
		}
	})
	t.Run("Delete", func(t *testing.T) {
		e := mk(t)
		c, th, ev := pt.setup(e, initial())
		e.must(pt.delete(e, c, th, ev, chat.PropertyNames{
			"routing": {"priority", "unknown"},
			"missing": {"x"},
		}), "delete")
		checkProps(t, pt.name, pt.read(e, c, th, ev), chat.Properties{
			"routing": {"queue": "sales"},
			"shop":    {"cart": 3.0},
		})
	})
	t.Run("DeleteEmptiesNamespace", func(t *testing.T) {
		e := mk(t)
		c, th, ev := pt.setup(e, initial())
		e.must(pt.delete(e, c, th, ev, chat.PropertyNames{"shop": {"cart"}}), "delete")
		got := pt.read(e, c, th, ev)
		if _, ok := got["shop"]; ok {
			t.Errorf("namespace shop still present after deleting its only property: %v", got)
		}
		checkProps(t, pt.name, got, chat.Properties{"routing": {"queue": "sales", "priority": 1.0}})
		e.must(pt.delete(e, c, th, ev, chat.PropertyNames{"routing": {"queue", "priority"}}), "delete rest")
		if got := pt.read(e, c, th, ev); len(got) != 0 {
			t.Errorf("properties after deleting all: got %v, want none", got)
		}
	})
	t.Run("MissingChat", func(t *testing.T) {
		e := mk(t)
		_, th, ev := pt.setup(e, nil)
		wantErr(t, pt.update(e, "missing", th, ev, chat.Properties{"a": {"b": 1}}), chat.ErrNotFound, "update of a missing chat")
		wantErr(t, pt.delete(e, "missing", th, ev, chat.PropertyNames{"a": {"b"}}), chat.ErrNotFound, "delete of a missing chat")
	})
	if pt.name == "Chat" {
		return
	}
	t.Run("MissingThread", func(t *testing.T) {
		e := mk(t)
		c, _, ev := pt.setup(e, nil)
		wantErr(t, pt.update(e, c, "missing", ev, chat.Properties{"a": {"b": 1}}), chat.ErrNotFound, "update in a missing thread")
		wantErr(t, pt.delete(e, c, "missing", ev, chat.PropertyNames{"a": {"b"}}), chat.ErrNotFound, "delete in a missing thread")
	})
	t.Run("ThreadOfAnotherChat", func(t *testing.T) {
		e := mk(t)
		c, _, _ := pt.setup(e, nil)
		_, th, ev := pt.setup(e, nil)
		wantErr(t, pt.update(e, c, th, ev, chat.Properties{"a": {"b": 1}}), chat.ErrNotFound, "update with another chat's thread")
		wantErr(t, pt.delete(e, c, th, ev, chat.PropertyNames{"a": {"b"}}), chat.ErrNotFound, "delete with another chat's thread")
	})
	if pt.name == "Thread" {
		return
	}
	t.Run("MissingEvent", func(t *testing.T) {
		e := mk(t)
		c, th, _ := pt.setup(e, nil)
		wantErr(t, pt.update(e, c, th, "missing", chat.Properties{"a": {"b": 1}}), chat.ErrNotFound, "update of a missing event")
		wantErr(t, pt.delete(e, c, th, "missing", chat.PropertyNames{"a": {"b"}}), chat.ErrNotFound, "delete of a missing event")
	})
	t.Run("EventOfAnotherThread", func(t *testing.T) {
		e := mk(t)
		c, first, ev := pt.setup(e, nil)
		e.close(c)
		_, th := e.activate(c, nil)
		if th.ID == first {
			t.Fatal("activate reused the thread id")
		}
		wantErr(t, pt.update(e, c, th.ID, ev, chat.Properties{"a": {"b": 1}}), chat.ErrNotFound, "update of an event named with the wrong thread")
	})
}
