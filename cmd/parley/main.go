package main

import (
	"fmt"
	"os"

	"github.com/alecthomas/kong"
)

type cli struct {
	Serve   serveCmd   `cmd:"" help:"Run the chat server."`
	Migrate migrateCmd `cmd:"" help:"Create or update the schema of a PostgreSQL database (parley serve --database-url also does it)."`
	Chat    chatCmd    `cmd:"" help:"Chat with the agents as a customer, in the terminal."`
	Agent   agentCmd   `cmd:"" help:"Manage the agents of a license (in the server's database)."`
	Group   groupCmd   `cmd:"" help:"Manage the groups of a license (in the server's database)."`
	License licenseCmd `cmd:"" help:"Manage the licenses (tenants) in the server's database."`
	Client  clientCmd  `cmd:"" help:"Manage the clients of a license: who may get its customer tokens."`
	Bench   benchCmd   `cmd:"" help:"Drive a running server with real clients and measure it (see docs/benchmarks.md)."`
	Version versionCmd `cmd:"" help:"Print the version."`
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

type versionCmd struct{}

func (versionCmd) Run() error {
	fmt.Println("parley", version)
	return nil
}

func main() {
	var c cli
	ctx := kong.Parse(&c,
		kong.Name("parley"),
		kong.Description("Parley: a customer chat server that speaks the LiveChat Customer Chat API v3.0."),
		kong.UsageOnError(),
	)
	if err := ctx.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "parley:", err)
		os.Exit(1)
	}
}
