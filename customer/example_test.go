package customer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	pngEncoder "image/png"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
)

// The examples follow the JS SDK's README snippet by snippet. Each runs
// against a real server started in-process (exSDK, exServer): in a
// program, Config.Server is your chat server's URL instead. Where an agent
// has to answer, exAgentLogin logs the server's demo agent in over the
// Agent Chat API.

// The quick start: a customer starts a chat and hears the agent's answer.
func Example() {
	srv := exServer() // a Parley server; in a program, its URL is all you need
	defer srv.Close()
	ctx := context.Background()

	sdk, err := customer.Init(customer.Config{
		License:  srv.License,
		ClientID: srv.ClientID,
		Server:   srv.URL,
		Identity: customer.MemoryStore(), // nil: the same customer every run
	})
	if err != nil {
		log.Fatal(err)
	}
	defer sdk.Destroy()

	answered := make(chan struct{})
	customer.On(sdk, func(e customer.NewEvent) {
		if e.Event.Type == customer.EventMessage && e.Event.Author != sdk.CustomerID() {
			fmt.Println("agent:", e.Event.Text)
			close(answered)
		}
	})
	chat, err := sdk.StartChat(ctx, customer.StartChatRequest{
		Events: []customer.Event{{Type: customer.EventMessage, Text: "Hello!"}},
	})
	if err != nil {
		log.Fatal(err)
	}

	agent := exAgentLogin(srv) // the support agent, on the other side
	defer agent.close()
	agent.join(chat.ID)
	agent.say(chat.ID, "Hi! How can I help?")
	<-answered
	// Output: agent: Hi! How can I help?
}

func ExampleInit() {
	srv := exServer() // a Parley server; in a program, its URL is all you need
	defer srv.Close()

	sdk, err := customer.Init(customer.Config{
		License:  srv.License,
		ClientID: srv.ClientID,
		Server:   srv.URL,
		// A new customer every run; leave Identity nil to be the same
		// customer every run (a file under the user's config directory).
		Identity: customer.MemoryStore(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer sdk.Destroy()

	// Init returned at once and connects in the background; methods wait
	// for the connection, up to their ctx.
	sum, err := sdk.GetChatsSummary(context.Background(), customer.Pagination{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sdk.State(), sum.TotalChats)
	// Output: connected 0
}

func ExampleOn() {
	sdk, srv, stop := exSDK()
	defer stop()
	ctx := context.Background()

	done := make(chan struct{})
	off := customer.On(sdk, func(e customer.NewEvent) {
		switch e.Event.Type {
		case customer.EventMessage:
			fmt.Println("new message -", e.Event.Text)
			close(done)
		}
	})
	defer off()

	chat, err := sdk.StartChat(ctx, customer.StartChatRequest{
		Events: []customer.Event{{Type: customer.EventMessage, Text: "Hi!"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	agent := exAgentLogin(srv)
	defer agent.close()
	agent.join(chat.ID)
	agent.say(chat.ID, "Hello! How can I help?")
	<-done
	// Output: new message - Hello! How can I help?
}

// Connected comes once, after the first login. To be sure to see it,
// subscribe before connecting.
func ExampleOn_connected() {
	srv := exServer()
	defer srv.Close()
	cfg := exConfig(srv)
	cfg.ManualConnect = true
	sdk, err := customer.Init(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer sdk.Destroy()

	connected := make(chan struct{})
	customer.On(sdk, func(c customer.Connected) {
		fmt.Println("connected")
		fmt.Println(len(c.ChatsSummary.Chats), c.ChatsSummary.TotalChats)
		close(connected)
	})
	if err := sdk.Connect(); err != nil {
		log.Fatal(err)
	}
	<-connected
	// Output:
	// connected
	// 0 0
}

// The SDK reconnects on its own when the connection drops, and then
// delivers what it missed.
func ExampleOn_connectionLost() {
	sdk, srv, stop := exSDK()
	defer stop()
	chat := exChat(sdk, "Hi!")

	restored := make(chan struct{})
	customer.On(sdk, func(customer.ConnectionLost) { fmt.Println("connection_lost") })
	customer.On(sdk, func(customer.ConnectionRestored) { fmt.Println("connection_restored") })
	customer.On(sdk, func(e customer.NewEvent) {
		fmt.Println("missed:", e.Event.Text)
		close(restored)
	})

	agent := exAgentLogin(srv)
	defer agent.close()
	agent.join(chat.ID)
	srv.PauseListener(parleytest.CustomerConns) // the customer cannot come back…
	srv.DropConnections(parleytest.CustomerConns)
	agent.say(chat.ID, "Are you still there?") // …while the agent writes
	srv.ResumeListener()
	<-restored
	// Output:
	// connection_lost
	// connection_restored
	// missed: Are you still there?
}

// While the server cannot be reached, each attempt to connect again is
// announced with its number and its wait, which a program can show ("next
// try in 2 s").
func ExampleOn_reconnecting() {
	srv := exServer()
	defer srv.Close()
	cfg := exConfig(srv)
	cfg.ReconnectDelay = func(attempt int) time.Duration { return time.Duration(attempt) * 100 * time.Millisecond }
	sdk, err := customer.Init(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer sdk.Destroy()
	connected := make(chan struct{})
	customer.On(sdk, func(customer.Connected) { close(connected) })
	<-connected

	second := make(chan struct{})
	restored := make(chan struct{})
	customer.On(sdk, func(r customer.Reconnecting) {
		if r.Attempt <= 2 {
			fmt.Printf("attempt %d in %v (%t)\n", r.Attempt, r.Delay, r.Err != nil)
		}
		if r.Attempt == 2 {
			close(second)
		}
	})
	customer.On(sdk, func(customer.ConnectionRestored) { close(restored) })
	srv.PauseListener(parleytest.CustomerConns)
	srv.DropConnections(parleytest.CustomerConns)
	<-second
	srv.ResumeListener()
	<-restored
	fmt.Println(sdk.State())
	// Output:
	// attempt 1 in 100ms (true)
	// attempt 2 in 200ms (true)
	// connected
}

// A Disconnected with Final set ends the SDK for good: here the customer
// was banned.
func ExampleOn_disconnected() {
	sdk, srv, stop := exSDK()
	defer stop()
	ctx := context.Background()
	if _, err := sdk.GetChatsSummary(ctx, customer.Pagination{}); err != nil { // connected
		log.Fatal(err)
	}

	gone := make(chan struct{})
	customer.On(sdk, func(d customer.Disconnected) {
		fmt.Println(d.Reason, d.Final)
		close(gone)
	})
	if err := srv.BanCustomer(sdk.CustomerID()); err != nil {
		log.Fatal(err)
	}
	<-gone
	_, err := sdk.GetChatsSummary(ctx, customer.Pagination{})
	fmt.Println(errors.Is(err, customer.ErrDestroyed))
	// Output:
	// customer_banned true
	// true
}

func ExampleOn_userIsTyping() {
	sdk, srv, stop := exSDK()
	defer stop()
	chat, err := sdk.StartChat(context.Background(), customer.StartChatRequest{})
	if err != nil {
		log.Fatal(err)
	}

	stopped := make(chan struct{})
	customer.On(sdk, func(e customer.UserIsTyping) { fmt.Println(e.User, "is writing something") })
	customer.On(sdk, func(e customer.UserStoppedTyping) {
		fmt.Println(e.User, "stopped writing")
		close(stopped)
	})

	agent := exAgentLogin(srv)
	defer agent.close()
	agent.join(chat.ID)
	agent.typing(chat.ID, true)
	agent.typing(chat.ID, false)
	<-stopped
	// Output:
	// agent@parley.test is writing something
	// agent@parley.test stopped writing
}

func ExampleOn_userJoinedChat() {
	sdk, srv, stop := exSDK()
	defer stop()
	chat, err := sdk.StartChat(context.Background(), customer.StartChatRequest{})
	if err != nil {
		log.Fatal(err)
	}

	joined := make(chan struct{})
	customer.On(sdk, func(u customer.UserData) {
		if u.User.Type == customer.AgentUser {
			fmt.Println("user_data:", u.User.Name, u.User.JobTitle)
		}
	})
	customer.On(sdk, func(j customer.UserJoinedChat) {
		if j.User != sdk.CustomerID() { // the customer joined too, when the chat started
			fmt.Println("user_joined_chat:", j.User, j.Chat == chat.ID)
			close(joined)
		}
	})

	agent := exAgentLogin(srv)
	defer agent.close()
	agent.join(chat.ID)
	<-joined
	// Output:
	// user_data: Demo Agent Support
	// user_joined_chat: agent@parley.test true
}

func ExampleOn_threadClosed() {
	sdk, srv, stop := exSDK()
	defer stop()
	chat, err := sdk.StartChat(context.Background(), customer.StartChatRequest{})
	if err != nil {
		log.Fatal(err)
	}

	closed := make(chan struct{})
	customer.On(sdk, func(e customer.ThreadClosed) {
		fmt.Println("thread_closed", e.Chat == chat.ID)
		close(closed)
	})

	agent := exAgentLogin(srv)
	defer agent.close()
	agent.join(chat.ID)
	agent.do("close_thread", map[string]any{"chat_id": chat.ID})
	<-closed
	// Output: thread_closed true
}

func ExampleOn_chatPropertiesUpdated() {
	sdk, srv, stop := exSDK()
	defer stop()
	chat, err := sdk.StartChat(context.Background(), customer.StartChatRequest{})
	if err != nil {
		log.Fatal(err)
	}

	updated := make(chan struct{})
	customer.On(sdk, func(e customer.ChatPropertiesUpdated) {
		fmt.Println(e.Properties["routing"]["priority"])
		close(updated)
	})

	agent := exAgentLogin(srv)
	defer agent.close()
	agent.join(chat.ID)
	agent.do("update_chat_properties", map[string]any{"chat_id": chat.ID,
		"properties": map[string]any{"routing": map[string]any{"priority": "high"}}})
	<-updated
	// Output: high
}

// ThreadSummary is emitted for every thread the SDK loads: here when the
// chat starts, and again when its history is loaded.
func ExampleOn_threadSummary() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()

	seen := make(chan struct{})
	n := 0
	customer.On(sdk, func(t customer.ThreadSummary) {
		fmt.Println("thread", t.Order, "active:", t.Active, "events:", t.TotalEvents)
		if n++; n == 2 {
			close(seen)
		}
	})
	chat := exChat(sdk, "Hi!")
	if _, _, err := sdk.GetChatHistory(chat.ID).Next(ctx); err != nil {
		log.Fatal(err)
	}
	<-seen
	// Output:
	// thread 1 active: true events: 1
	// thread 1 active: true events: 1
}

func ExampleOnce() {
	sdk, srv, stop := exSDK()
	defer stop()
	chat, err := sdk.StartChat(context.Background(), customer.StartChatRequest{})
	if err != nil {
		log.Fatal(err)
	}

	customer.Once(sdk, func(e customer.NewEvent) { fmt.Println("once:", e.Event.Text) })
	both := make(chan struct{})
	n := 0
	customer.On(sdk, func(e customer.NewEvent) {
		if n++; n == 2 {
			fmt.Println("on: 2 events")
			close(both)
		}
	})

	agent := exAgentLogin(srv)
	defer agent.close()
	agent.join(chat.ID)
	agent.say(chat.ID, "first")
	agent.say(chat.ID, "second")
	<-both
	// Output:
	// once: first
	// on: 2 events
}

// SDK.On subscribes by the JS SDK's event name, as customerSDK.on does;
// in Go code the typed customer.On is usually handier.
func ExampleSDK_On() {
	sdk, srv, stop := exSDK()
	defer stop()
	chat, err := sdk.StartChat(context.Background(), customer.StartChatRequest{})
	if err != nil {
		log.Fatal(err)
	}

	done := make(chan struct{})
	sdk.On("user_is_typing", func(n customer.Notification) {
		fmt.Println(n.Name(), n.(customer.UserIsTyping).User)
	})
	sdk.On("new_event", func(n customer.Notification) {
		e := n.(customer.NewEvent)
		fmt.Println(n.Name(), e.Event.Text)
		close(done)
	})

	agent := exAgentLogin(srv)
	defer agent.close()
	agent.join(chat.ID)
	agent.typing(chat.ID, true)
	agent.say(chat.ID, "Hello!")
	<-done
	// Output:
	// user_is_typing agent@parley.test
	// new_event Hello!
}

// Notifications is the JS SDK's $$observable: every notification as one
// ordered stream.
func ExampleSDK_Notifications() {
	sdk, srv, stop := exSDK()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	agent := exAgentLogin(srv)
	defer agent.close()
	chatting := make(chan struct{})
	go func() {
		defer close(chatting)
		chat, err := sdk.StartChat(ctx, customer.StartChatRequest{})
		if err != nil {
			log.Fatal(err)
		}
		agent.join(chat.ID)
		agent.say(chat.ID, "Hello!")
	}()

	for n := range sdk.Notifications(ctx) {
		switch n := n.(type) {
		case customer.UserJoinedChat:
			if n.User != sdk.CustomerID() {
				fmt.Println(n.Name(), n.User)
			}
		case customer.NewEvent:
			fmt.Println(n.Name(), n.Event.Text)
			cancel() // ends the loop
		}
	}
	<-chatting
	// Output:
	// user_joined_chat agent@parley.test
	// new_event Hello!
}

// SDK.Once is SDK.On for the next notification of that name only.
func ExampleSDK_Once() {
	sdk, srv, stop := exSDK()
	defer stop()
	chat := exChat(sdk, "Hi!")

	first := make(chan struct{})
	sdk.Once("new_event", func(n customer.Notification) {
		fmt.Println(n.(customer.NewEvent).Event.Text)
		close(first)
	})
	agent := exAgentLogin(srv)
	defer agent.close()
	agent.join(chat.ID)
	agent.say(chat.ID, "first")
	agent.say(chat.ID, "second")
	<-first
	// Output: first
}

func ExampleSDK_StartChat() {
	sdk, _, stop := exSDK()
	defer stop()

	chat, err := sdk.StartChat(context.Background(), customer.StartChatRequest{
		Events: []customer.Event{{Type: customer.EventMessage, Text: "Hi!"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(chat.Users), len(chat.Events), chat.Events[0].Text)
	// Output: 1 1 Hi!
}

func ExampleSDK_SendEvent() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat, err := sdk.StartChat(ctx, customer.StartChatRequest{})
	if err != nil {
		log.Fatal(err)
	}

	event, err := sdk.SendEvent(ctx, chat.ID, customer.Event{
		Type: customer.EventMessage,
		Text: "Hi!",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(event.Type, event.Text, event.Author == sdk.CustomerID())
	// Output: message Hi! true
}

func ExampleSDK_GetChatHistory() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat := exChat(sdk, "one", "two", "three")

	history := sdk.GetChatHistory(chat.ID)
	events, done, err := history.Next(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range events {
		fmt.Println(e.Text)
	}
	fmt.Println("done:", done)
	// Output:
	// one
	// two
	// three
	// done: true
}

func ExampleHistory_All() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat := exChat(sdk, "one", "two", "three")

	// Newest first, as a chat window scrolls up.
	for e, err := range sdk.GetChatHistory(chat.ID).All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Text)
	}
	// Output:
	// three
	// two
	// one
}

func ExampleSDK_GetChatsSummary() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	exChat(sdk, "Hi!")

	sum, err := sdk.GetChatsSummary(ctx, customer.Pagination{Offset: 0, Limit: 10})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("total:", sum.TotalChats)
	for _, c := range sum.Chats {
		fmt.Println(c.Active, c.LastEvent.Text)
	}
	// Output:
	// total: 1
	// true Hi!
}

func ExampleSDK_GetChatThreadsSummary() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat := exChat(sdk, "first thread")
	if err := sdk.CloseThread(ctx, chat.ID); err != nil {
		log.Fatal(err)
	}
	// A message to a chat without an active thread opens a new one.
	if _, err := sdk.SendEvent(ctx, chat.ID, customer.Event{Type: customer.EventMessage, Text: "second thread"}); err != nil {
		log.Fatal(err)
	}

	sum, err := sdk.GetChatThreadsSummary(ctx, chat.ID, customer.Pagination{Offset: 0, Limit: 10})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("total:", sum.TotalThreads)
	for _, t := range sum.Threads {
		fmt.Println(t.Order, t.Active)
	}
	// Output:
	// total: 2
	// 1 false
	// 2 true
}

func ExampleSDK_GetChatThreads() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat := exChat(sdk, "Hi!", "Anyone there?")

	threads, err := sdk.GetChatThreads(ctx, chat.ID, []string{chat.Thread})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range threads {
		fmt.Println(t.Active, len(t.Events))
		for _, e := range t.Events {
			fmt.Println(e.Text)
		}
	}
	// Output:
	// true 2
	// Hi!
	// Anyone there?
}

func ExampleSDK_GetPredictedAgent() {
	sdk, srv, stop := exSDK()
	defer stop()
	ctx := context.Background()

	// Nobody is online yet.
	_, err := sdk.GetPredictedAgent(ctx)
	fmt.Println(customer.IsType(err, "groups_offline"))

	agent := exAgentLogin(srv)
	defer agent.close()
	a, err := sdk.GetPredictedAgent(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.Name, a.JobTitle)
	// Output:
	// true
	// Demo Agent Support
}

func ExampleSDK_RateChat() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat := exChat(sdk, "Hi!")

	err := sdk.RateChat(ctx, chat.ID, customer.Rating{Score: 1, Comment: "Agent helped me a lot!"})
	if err != nil {
		log.Fatal(err)
	}
	// The rating is a property of the chat's last thread.
	threads, err := sdk.GetChatThreads(ctx, chat.ID, []string{chat.Thread})
	if err != nil {
		log.Fatal(err)
	}
	rating := threads[0].Properties["rating"]
	fmt.Println(rating["score"], rating["comment"])
	// Output: 1 Agent helped me a lot!
}

func ExampleSDK_CancelRate() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat := exChat(sdk, "Hi!")
	if err := sdk.RateChat(ctx, chat.ID, customer.Rating{Score: 0}); err != nil {
		log.Fatal(err)
	}

	if err := sdk.CancelRate(ctx, chat.ID); err != nil {
		log.Fatal(err)
	}
	threads, err := sdk.GetChatThreads(ctx, chat.ID, []string{chat.Thread})
	if err != nil {
		log.Fatal(err)
	}
	_, rated := threads[0].Properties["rating"]["score"]
	fmt.Println("rated:", rated)
	// Output: rated: false
}

func ExampleSDK_SendFile() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat := exChat(sdk, "Here is my screenshot")

	// Unlike messages, files come back as NewEvent to the sender too.
	arrived := make(chan customer.Event, 1)
	customer.On(sdk, func(e customer.NewEvent) {
		if e.Event.Type == customer.EventFile {
			arrived <- e.Event
		}
	})

	var png bytes.Buffer // a 40×30 screenshot
	if err := pngEncoder.Encode(&png, image.NewRGBA(image.Rect(0, 0, 40, 30))); err != nil {
		log.Fatal(err)
	}
	size := int64(png.Len())
	var progress float64
	file, err := sdk.SendFile(ctx, chat.ID, customer.File{
		Name:        "screenshot.png",
		ContentType: "image/png",
		Reader:      &png,
		Size:        size,
	}, customer.OnProgress(func(p float64) { progress = p }))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("upload progress:", progress)

	e := <-arrived
	fmt.Println(e.Name, e.ContentType, e.Size == size, e.URL == file.URL)

	resp, err := http.Get(file.URL)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	n, _ := io.Copy(io.Discard, resp.Body)
	fmt.Println("downloaded:", n == size)
	// Output:
	// upload progress: 1
	// screenshot.png image/png true true
	// downloaded: true
}

// Cancelling the ctx aborts an upload: the JS SDK's cancel().
func ExampleSDK_SendFile_cancel() {
	sdk, _, stop := exSDK()
	defer stop()
	chat := exChat(sdk, "Sending a big file")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	big := bytes.Repeat([]byte("x"), 5<<20)
	_, err := sdk.SendFile(ctx, chat.ID, customer.File{
		Name:   "big.bin",
		Reader: bytes.NewReader(big),
		Size:   int64(len(big)),
	}, customer.OnProgress(func(p float64) {
		if p > 0 {
			cancel() // the user pressed "cancel"
		}
	}))
	fmt.Println(errors.Is(err, context.Canceled))
	// Output: true
}

func ExampleSDK_SendPostback() {
	sdk, srv, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat := exChat(sdk, "Can I return a gift?")

	cards := make(chan customer.NewEvent, 1)
	customer.On(sdk, func(e customer.NewEvent) {
		if e.Event.Type == customer.EventRichMessage {
			cards <- e
		}
	})
	agent := exAgentLogin(srv)
	defer agent.close()
	agent.join(chat.ID)
	agent.ask(chat.ID, "Was it bought in the last 30 days?", "yes", "no")

	e := <-cards
	button := e.Event.Elements[0].Buttons[0]
	fmt.Println(e.Event.Elements[0].Title, button.Text)
	err := sdk.SendPostback(ctx, e.Chat, e.Event.Thread, e.Event.ID, customer.Postback{ID: button.Postback})
	if err != nil {
		log.Fatal(err)
	}

	var pb struct {
		Postback struct {
			ID      string `json:"id"`
			Toggled bool   `json:"toggled"`
		} `json:"postback"`
	}
	agent.push("incoming_rich_message_postback", &pb)
	fmt.Println("the agent got:", pb.Postback.ID, pb.Postback.Toggled)
	// Output:
	// Was it bought in the last 30 days? yes
	// the agent got: yes true
}

func ExampleSDK_SetSneakPeek() {
	sdk, srv, stop := exSDK()
	defer stop()
	chat := exChat(sdk, "Hi!")
	agent := exAgentLogin(srv)
	defer agent.close()
	agent.join(chat.ID)

	// No error and no wait: sent at most once per 2 s per chat, the last
	// text winning.
	sdk.SetSneakPeek(chat.ID, "what is the price for your ")

	var peek struct {
		SneakPeek struct {
			Text string `json:"text"`
		} `json:"sneak_peek"`
	}
	agent.push("incoming_sneak_peek", &peek)
	fmt.Printf("the agent sees %q\n", peek.SneakPeek.Text)
	// Output: the agent sees "what is the price for your "
}

func ExampleSDK_UpdateChatProperties() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat := exChat(sdk, "Hi!")

	properties := customer.Properties{
		"property_namespace": {"sample": "property"},
	}
	if err := sdk.UpdateChatProperties(ctx, chat.ID, properties); err != nil {
		log.Fatal(err)
	}
	sum, err := sdk.GetChatsSummary(ctx, customer.Pagination{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum.Chats[0].Properties["property_namespace"]["sample"])
	// Output: property
}

func ExampleSDK_UpdateChatThreadProperties() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat := exChat(sdk, "Hi!")

	properties := customer.Properties{
		"property_namespace": {"sample": "property"},
	}
	if err := sdk.UpdateChatThreadProperties(ctx, chat.ID, chat.Thread, properties); err != nil {
		log.Fatal(err)
	}
	threads, err := sdk.GetChatThreads(ctx, chat.ID, []string{chat.Thread})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(threads[0].Properties["property_namespace"]["sample"])
	// Output: property
}

func ExampleSDK_DeleteChatProperties() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat := exChat(sdk, "Hi!")
	err := sdk.UpdateChatProperties(ctx, chat.ID, customer.Properties{"basket": {"value": 10, "currency": "USD"}})
	if err != nil {
		log.Fatal(err)
	}

	// namespace → names
	if err := sdk.DeleteChatProperties(ctx, chat.ID, map[string][]string{"basket": {"value"}}); err != nil {
		log.Fatal(err)
	}
	sum, err := sdk.GetChatsSummary(ctx, customer.Pagination{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum.Chats[0].Properties["basket"])
	// Output: map[currency:USD]
}

func ExampleSDK_UpdateEventProperties() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat := exChat(sdk)
	msg, err := sdk.SendEvent(ctx, chat.ID, customer.Event{Type: customer.EventMessage, Text: "Hi!"})
	if err != nil {
		log.Fatal(err)
	}

	err = sdk.UpdateEventProperties(ctx, chat.ID, msg.Thread, msg.ID, customer.Properties{"translation": {"lang": "pl"}})
	if err != nil {
		log.Fatal(err)
	}
	threads, err := sdk.GetChatThreads(ctx, chat.ID, []string{msg.Thread})
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range threads[0].Events {
		if e.ID == msg.ID {
			fmt.Println(e.Text, e.Properties["translation"]["lang"])
		}
	}
	// Output: Hi! pl
}

func ExampleSDK_UpdateCustomer() {
	sdk, srv, stop := exSDK()
	defer stop()
	ctx := context.Background()

	err := sdk.UpdateCustomer(ctx, customer.CustomerUpdate{
		Name:  "John Doe",
		Email: "john.doe@example.com",
		Fields: map[string]string{
			"custom_property": "BasketValue=10usd",
			"any_key_is_ok":   "sample custom field",
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	// The agent sees who they are talking to.
	chat := exChat(sdk, "Hi!")
	agent := exAgentLogin(srv)
	defer agent.close()
	u := agent.customerOf(chat.ID)
	fmt.Println(u.Name, u.Email, u.Fields["custom_property"])
	// Output: John Doe john.doe@example.com BasketValue=10usd
}

// Fields can also be set on their own, merged into the existing ones.
func ExampleSDK_SetCustomerFields() {
	sdk, srv, stop := exSDK()
	defer stop()
	ctx := context.Background()

	if err := sdk.SetCustomerFields(ctx, map[string]string{"foo": "bar", "test": "qwerty"}); err != nil {
		log.Fatal(err)
	}
	chat := exChat(sdk, "Hi!")
	agent := exAgentLogin(srv)
	defer agent.close()
	u := agent.customerOf(chat.ID)
	fmt.Println(u.Fields["foo"], u.Fields["test"])
	// Output: bar qwerty
}

func ExampleSDK_UpdateCustomerPage() {
	sdk, srv, stop := exSDK()
	defer stop()
	ctx := context.Background()
	exChat(sdk, "Hi!")
	agent := exAgentLogin(srv)
	defer agent.close()

	err := sdk.UpdateCustomerPage(ctx, customer.Page{
		URL:   "https://developers.livechatinc.com/",
		Title: "LiveChat for Developers",
	})
	if err != nil {
		log.Fatal(err)
	}

	var page struct {
		URL   string `json:"url"`
		Title string `json:"title"`
	}
	agent.push("customer_page_updated", &page)
	fmt.Println(page.Title, page.URL)
	// Output: LiveChat for Developers https://developers.livechatinc.com/
}

func ExampleSDK_UpdateLastSeenTimestamp() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat := exChat(sdk, "Hi!")

	seen := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	stored, err := sdk.UpdateLastSeenTimestamp(ctx, chat.ID, seen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(stored.UTC())

	// The zero time means now; the server never moves the mark back.
	now, err := sdk.UpdateLastSeenTimestamp(ctx, chat.ID, time.Time{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(now.After(stored))
	// Output:
	// 2026-01-02 15:04:05 +0000 UTC
	// true
}

func ExampleSDK_CloseThread() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat := exChat(sdk, "Thanks, bye!")

	if err := sdk.CloseThread(ctx, chat.ID); err != nil {
		log.Fatal(err)
	}
	sum, err := sdk.GetChatsSummary(ctx, customer.Pagination{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("active:", sum.Chats[0].Active)
	// Output: active: false
}

// ActivateChat opens a new thread in a chat whose thread was closed.
func ExampleSDK_ActivateChat() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	chat := exChat(sdk, "Hi!")
	if err := sdk.CloseThread(ctx, chat.ID); err != nil {
		log.Fatal(err)
	}

	again, err := sdk.ActivateChat(ctx, chat.ID, customer.StartChatRequest{
		Events: []customer.Event{{Type: customer.EventMessage, Text: "One more question"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(again.ID == chat.ID, again.Thread != chat.Thread, again.Events[0].Text)
	// Output: true true One more question
}

func ExampleSDK_GetGroupsStatus() {
	sdk, srv, stop := exSDK()
	defer stop()
	ctx := context.Background()

	before, err := sdk.GetGroupsStatus(ctx, 0)
	if err != nil {
		log.Fatal(err)
	}
	agent := exAgentLogin(srv)
	defer agent.close()
	after, err := sdk.GetGroupsStatus(ctx, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(before[0], after[0])
	// Output: offline online
}

func ExampleSDK_GetForm() {
	sdk, _, stop := exSDK()
	defer stop()

	form, err := sdk.GetForm(context.Background(), 0, "prechat")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("pre-chat form enabled:", form.Enabled)
	// Output: pre-chat form enabled: false
}

func ExampleSDK_GetURLDetails() {
	sdk, _, stop := exSDK()
	defer stop()

	d, err := sdk.GetURLDetails(context.Background(), "https://example.com/offer")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Title, d.URL)
	// Output: example.com https://example.com/offer
}

func ExampleSDK_Destroy() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()

	sdk.Destroy() // idempotent: stop calls it again
	_, err := sdk.StartChat(ctx, customer.StartChatRequest{})
	fmt.Println(sdk.State(), errors.Is(err, customer.ErrDestroyed))
	// Output: closed true
}

func ExampleSDK_Disconnect() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()
	if _, err := sdk.GetChatsSummary(ctx, customer.Pagination{}); err != nil {
		log.Fatal(err)
	}

	sdk.Disconnect()
	_, err := sdk.GetChatsSummary(ctx, customer.Pagination{})
	fmt.Println(sdk.State(), errors.Is(err, customer.ErrNotConnected))

	if err := sdk.Connect(); err != nil {
		log.Fatal(err)
	}
	sum, err := sdk.GetChatsSummary(ctx, customer.Pagination{}) // waits for the connection
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sdk.State(), sum.TotalChats)
	// Output:
	// disconnected true
	// connected 0
}

func ExampleAuth_GetToken() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()

	token, err := sdk.Auth().GetToken(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token.TokenType, token.AccessToken != "", token.ExpiresIn > 0)

	// The token names the customer.
	if _, err := sdk.GetChatsSummary(ctx, customer.Pagination{}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(token.EntityID == sdk.CustomerID())
	// Output:
	// Bearer true true
	// true
}

// The same customer, run after run: a FileStore keeps the identity (the
// default Config.Identity is a FileStore under the user's config
// directory).
func ExampleFileStore() {
	srv := exServer()
	defer srv.Close()
	dir, err := os.MkdirTemp("", "parley-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	var ids []string
	for range 2 { // two runs of a program
		cfg := exConfig(srv)
		cfg.Identity = customer.FileStore(filepath.Join(dir, "identity.json"))
		sdk, err := customer.Init(cfg)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := sdk.GetChatsSummary(context.Background(), customer.Pagination{}); err != nil {
			log.Fatal(err)
		}
		ids = append(ids, sdk.CustomerID())
		sdk.Destroy()
	}
	fmt.Println(ids[0] == ids[1])
	// Output: true
}

func ExampleError() {
	sdk, _, stop := exSDK()
	defer stop()
	ctx := context.Background()

	_, err := sdk.GetChatThreads(ctx, "NOSUCHCHAT", []string{"NOSUCHTHREAD"})
	var e *customer.Error
	if errors.As(err, &e) {
		fmt.Println("server said:", e.Type)
	}
	fmt.Println(errors.Is(err, &customer.Error{Type: "not_found"}), customer.IsType(err, "not_found"))

	// The client's own refusals are sentinels.
	_, err = sdk.GetChatsSummary(ctx, customer.Pagination{Limit: 100})
	fmt.Println(errors.Is(err, customer.ErrLimitTooHigh))
	// Output:
	// server said: not_found
	// true true
	// true
}

// exServer starts a throwaway Parley server for an example.
func exServer() *parleytest.Server {
	srv, err := parleytest.Start()
	if err != nil {
		log.Fatal(err)
	}
	return srv
}

// exConfig is the Config of a new customer of srv's demo license.
func exConfig(srv *parleytest.Server) customer.Config {
	return customer.Config{License: srv.License, ClientID: srv.ClientID, Server: srv.URL, Identity: customer.MemoryStore()}
}

// exSDK starts a server and an SDK for a new customer of its demo license;
// stop destroys the SDK and closes the server.
func exSDK() (sdk *customer.SDK, srv *parleytest.Server, stop func()) {
	srv = exServer()
	sdk, err := customer.Init(exConfig(srv))
	if err != nil {
		srv.Close()
		log.Fatal(err)
	}
	return sdk, srv, func() {
		sdk.Destroy()
		srv.Close()
	}
}

// exChat starts a chat with the messages in its first thread.
func exChat(sdk *customer.SDK, messages ...string) customer.Chat {
	ctx := context.Background()
	var first []customer.Event
	if len(messages) > 0 {
		first = []customer.Event{{Type: customer.EventMessage, Text: messages[0]}}
		messages = messages[1:]
	}
	chat, err := sdk.StartChat(ctx, customer.StartChatRequest{Events: first})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range messages {
		if _, err := sdk.SendEvent(ctx, chat.ID, customer.Event{Type: customer.EventMessage, Text: m}); err != nil {
			log.Fatal(err)
		}
	}
	return chat
}

// exAgent is the demo agent of a server on the Agent Chat API v3.0, over a
// plain WebSocket: just enough to answer the customer in these examples.
// Its methods panic when the server does not answer as expected.
type exAgent struct {
	ws      *websocket.Conn
	seq     int
	pending []exFrame // pushes read while waiting for something else
}

type exFrame struct {
	RequestID string          `json:"request_id"`
	Action    string          `json:"action"`
	Type      string          `json:"type"`
	Success   bool            `json:"success"`
	Payload   json.RawMessage `json:"payload"`
}

// exWait bounds every wait of exAgent.
const exWait = 20 * time.Second

// exAgentLogin logs the demo agent in on the agent RTM WebSocket.
func exAgentLogin(srv *parleytest.Server) *exAgent {
	// A program gets the token from POST /v3.0/agent/login with the
	// agent's e-mail and password; the test server issues one directly.
	token, err := srv.IssueAgentToken(srv.License, srv.AgentEmail)
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), exWait)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/v3.0/agent/rtm/ws", nil)
	if err != nil {
		panic(err)
	}
	ws.SetReadLimit(1 << 20)
	a := &exAgent{ws: ws}
	a.do("login", map[string]any{"token": "Bearer " + token})
	return a
}

func (a *exAgent) close() { _ = a.ws.Close(websocket.StatusNormalClosure, "") }

func (a *exAgent) read() exFrame {
	ctx, cancel := context.WithTimeout(context.Background(), exWait)
	defer cancel()
	_, msg, err := a.ws.Read(ctx)
	if err != nil {
		panic(fmt.Sprintf("agent: read: %v", err))
	}
	var f exFrame
	if err := json.Unmarshal(msg, &f); err != nil {
		panic(fmt.Sprintf("agent: %v: %s", err, msg))
	}
	return f
}

// do sends a request and returns its response's payload.
func (a *exAgent) do(action string, payload any) json.RawMessage {
	a.seq++
	rid := fmt.Sprint("ex", a.seq)
	msg, _ := json.Marshal(map[string]any{"request_id": rid, "action": action, "payload": payload})
	ctx, cancel := context.WithTimeout(context.Background(), exWait)
	defer cancel()
	if err := a.ws.Write(ctx, websocket.MessageText, msg); err != nil {
		panic(fmt.Sprintf("agent: %s: %v", action, err))
	}
	for {
		f := a.read()
		if f.Type != "response" {
			a.pending = append(a.pending, f)
			continue
		}
		if f.RequestID != rid {
			continue
		}
		if !f.Success {
			panic(fmt.Sprintf("agent: %s failed: %s", action, f.Payload))
		}
		return f.Payload
	}
}

// push waits for the next push of this action that the agent did not
// cause itself and decodes its payload into v.
func (a *exAgent) push(action string, v any) {
	for {
		var f exFrame
		if len(a.pending) > 0 {
			f, a.pending = a.pending[0], a.pending[1:]
		} else {
			f = a.read()
		}
		if f.Type == "push" && f.Action == action && f.RequestID == "" { // not caused by the agent's own request
			if err := json.Unmarshal(f.Payload, v); err != nil {
				panic(err)
			}
			return
		}
	}
}

func (a *exAgent) join(chatID string) { a.do("join_chat", map[string]any{"chat_id": chatID}) }

func (a *exAgent) say(chatID, text string) {
	a.do("send_event", map[string]any{"chat_id": chatID, "event": map[string]any{"type": "message", "text": text}})
}

func (a *exAgent) typing(chatID string, typing bool) {
	a.do("send_typing_indicator", map[string]any{"chat_id": chatID, "is_typing": typing})
}

// ask sends a rich message: a card with a button per answer, each
// button's postback id being the answer.
func (a *exAgent) ask(chatID, question string, answers ...string) {
	var buttons []map[string]any
	for _, ans := range answers {
		buttons = append(buttons, map[string]any{"text": ans, "postback_id": ans, "type": "message", "value": ans, "user_ids": []string{}})
	}
	a.do("send_event", map[string]any{"chat_id": chatID, "event": map[string]any{
		"type": "rich_message", "template_id": "quick_replies",
		"elements": []any{map[string]any{"title": question, "buttons": buttons}},
	}})
}

// customerOf returns the chat's customer as the agent sees it.
func (a *exAgent) customerOf(chatID string) (u struct {
	Type   string            `json:"type"`
	Name   string            `json:"name"`
	Email  string            `json:"email"`
	Fields map[string]string `json:"fields"`
}) {
	var r struct {
		Chat struct {
			Users []json.RawMessage `json:"users"`
		} `json:"chat"`
	}
	if err := json.Unmarshal(a.do("get_chat", map[string]any{"chat_id": chatID}), &r); err != nil {
		panic(err)
	}
	for _, raw := range r.Chat.Users {
		if json.Unmarshal(raw, &u) == nil && u.Type == "customer" {
			return u
		}
	}
	panic("agent: no customer in chat " + chatID)
}
