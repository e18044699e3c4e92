package agent_test

import (
	"context"
	"fmt"
	"log"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
)

// The examples run against a real server started in-process (exServer):
// in a program, Config.Server is your chat server's URL instead, and the
// e-mail and password are an agent's of your license.

func exServer() *parleytest.Server {
	srv, err := parleytest.Start()
	if err != nil {
		log.Fatal(err)
	}
	return srv
}

// exCustomer starts a chat as a new customer (after setup, if not nil,
// has subscribed) and returns the customer.
func exCustomer(srv *parleytest.Server, text string, setup func(*customer.SDK)) (*customer.SDK, customer.Chat) {
	sdk, err := customer.Init(customer.Config{License: srv.License, ClientID: srv.ClientID, Server: srv.URL,
		Identity: customer.MemoryStore(), Customer: customer.CustomerData{Name: "Carla"}})
	if err != nil {
		log.Fatal(err)
	}
	if setup != nil {
		setup(sdk)
	}
	ch, err := sdk.StartChat(context.Background(), customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: text}}})
	if err != nil {
		log.Fatal(err)
	}
	return sdk, ch
}

func ExampleLogin() {
	srv := exServer()
	defer srv.Close()

	tok, err := agent.Login(context.Background(), srv.URL, srv.License, srv.AgentEmail, srv.AgentPassword, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.TokenType, tok.EntityID, tok.ExpiresIn)

	// The token logs a client in; without Email and Password the client
	// stops when the token expires.
	c, err := agent.New(agent.Config{Server: srv.URL, License: srv.License, Token: tok.AccessToken})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	agents, err := c.ListAgents(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(agents[0].Name, agents[0].RoutingStatus)
	// Output:
	// Bearer agent@parley.test 24h0m0s
	// Demo Agent accepting_chats
}

func ExampleNew() {
	srv := exServer()
	defer srv.Close()

	c, err := agent.New(agent.Config{
		Server:   srv.URL,
		License:  srv.License,
		Email:    srv.AgentEmail,
		Password: srv.AgentPassword,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	// New returned at once and connects in the background; methods wait
	// for the connection, up to their ctx.
	groups, err := c.ListGroups(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.State(), c.MyProfile().Name)
	fmt.Println(groups[0].Name, groups[0].Status)
	// Output:
	// connected Demo Agent
	// General online
}

// A bot that greets every chat routed to it.
func ExampleOn() {
	srv := exServer()
	defer srv.Close()
	c, err := agent.New(agent.Config{Server: srv.URL, License: srv.License, Email: srv.AgentEmail, Password: srv.AgentPassword,
		ManualConnect: true})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	ctx := context.Background()
	// Handlers run one at a time, in arrival order, on the client's
	// goroutine; they may call the client's methods.
	agent.On(c, func(n agent.IncomingChat) {
		fmt.Printf("%s: %s\n", n.Chat.Customer().Name, n.Chat.Thread.Events[0].Text)
		if _, err := c.SendEvent(ctx, n.Chat.ID, agent.Event{Type: agent.EventMessage, Text: "Hello! How can I help?"}); err != nil {
			log.Print(err)
		}
	})
	ready := make(chan struct{})
	agent.Once(c, func(agent.Connected) { close(ready) })
	if err := c.Connect(); err != nil {
		log.Fatal(err)
	}
	<-ready

	// A customer comes, and routing gives the chat to the (only) agent.
	answered := make(chan string, 1)
	cust, _ := exCustomer(srv, "Hi, my parcel is late", func(sdk *customer.SDK) {
		customer.On(sdk, func(e customer.NewEvent) {
			if e.Event.Author == srv.AgentEmail {
				answered <- e.Event.Text
			}
		})
	})
	defer cust.Destroy()
	fmt.Println("Demo Agent:", <-answered)
	// Output:
	// Carla: Hi, my parcel is late
	// Demo Agent: Hello! How can I help?
}

// Queued chats wait for an agent of their groups; ListChats shows them
// with their place in the queue.
func ExampleClient_ListChats() {
	srv := exServer()
	defer srv.Close()
	ctx := context.Background()
	c, err := agent.New(agent.Config{Server: srv.URL, License: srv.License, Email: srv.AgentEmail, Password: srv.AgentPassword})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	// Not accepting: new chats queue up instead of coming to the agent.
	if err := c.SetRoutingStatus(ctx, agent.NotAcceptingChats); err != nil {
		log.Fatal(err)
	}
	for _, text := range []string{"first", "second"} {
		cust, _ := exCustomer(srv, text, nil)
		defer cust.Destroy()
	}

	queued, err := c.ListChats(ctx, agent.ListChatsOptions{Queued: true})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range queued.ChatsSummary {
		fmt.Println(s.Queue.Position, s.LastEvent.Text)
	}
	// Take the oldest.
	oldest := queued.ChatsSummary[len(queued.ChatsSummary)-1]
	if err := c.JoinChat(ctx, oldest.ID); err != nil {
		log.Fatal(err)
	}
	mine, err := c.ListChats(ctx, agent.ListChatsOptions{Mine: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(mine.TotalChats, mine.ChatsSummary[0].LastEvent.Text)
	// Output:
	// 2 second
	// 1 first
	// 1 first
}
