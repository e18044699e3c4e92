package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/alecthomas/kong"
)

type cli struct {
	Serve   serveCmd   `cmd:"" help:"Run the chat server."`
	Migrate migrateCmd `cmd:"" help:"Create or update the schema of a PostgreSQL database (parley serve --database-url also does it)."`
	Chat    chatCmd    `cmd:"" help:"Chat with the agents as a customer, in the terminal."`
	Agent   agentCmd   `cmd:"" help:"Manage the agents of a license (in the server's database)."`
	Group   groupCmd   `cmd:"" help:"Manage the groups of a license (in the server's database)."`
	Reply   replyCmd   `cmd:"" help:"Manage the saved replies of a license (in the server's database)."`
	License licenseCmd `cmd:"" help:"Manage the licenses (tenants) in the server's database."`
	Client  clientCmd  `cmd:"" help:"Manage the clients of a license: who may get its customer tokens."`
	Bench   benchCmd   `cmd:"" help:"Drive a running server with real clients and measure it (see docs/benchmarks.md)."`
	Version versionCmd `cmd:"" help:"Print the version and the source revision of this binary."`

	// Operations (docs/deploy.md).
	Backup      backupCmd      `cmd:"" help:"Copy the SQLite database, keys and uploads of a data directory to a tar.gz, while the server runs (see docs/deploy.md)."`
	Restore     restoreCmd     `cmd:"" help:"Restore a backup into a new data directory (see docs/deploy.md)."`
	Healthcheck healthcheckCmd `cmd:"" help:"Exit 0 if a running server answers its /healthz, 1 if not (the container image's HEALTHCHECK)."`

	VersionFlag kong.VersionFlag `name:"version" help:"Print the version and exit."`
	Config      kong.ConfigFlag  `env:"PARLEY_CONFIG" placeholder:"FILE" help:"JSON file of settings: {\"data_dir\": \"/var/lib/parley\", …}, keys being flag names with _ for - (see docs/deploy.md). Flags and environment variables override it."`
}

// Exit statuses: 1 when a command fails, 2 when it is misused (an unknown
// flag, a missing argument, a bad value). Errors go to standard error as
// "parley: …", or "parley chat: …" for a command that names itself.
const (
	exitFailure = 1
	exitUsage   = 2
)

// exitRequest carries the status kong asks to exit with (after --help or
// --version) out of parsing, so that run returns it.
type exitRequest int

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run runs the command line args, writing results to stdout and errors to
// stderr, and returns the exit status.
func run(args []string, stderr io.Writer) (status int) {
	var c cli
	parser, err := kong.New(&c,
		kong.Name("parley"),
		kong.Description("Parley: a customer chat server that speaks the LiveChat Customer Chat API v3.0."),
		kong.Vars{"version": versionString()},
		kong.Writers(stdout, stderr),
		kong.Configuration(loadConfig),
		kong.Exit(func(code int) { panic(exitRequest(code)) }),
	)
	if err != nil {
		fmt.Fprintln(stderr, "parley:", err)
		return exitFailure
	}
	defer func() {
		if r := recover(); r != nil {
			code, ok := r.(exitRequest)
			if !ok {
				panic(r)
			}
			status = int(code)
		}
	}()
	ctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "parley: %v; see '%s --help'\n", err, helpPath(err))
		return exitUsage
	}
	if err := ctx.Run(); err != nil {
		var ce *commandError
		if errors.As(err, &ce) {
			fmt.Fprintf(stderr, "parley %s: %v\n", ce.cmd, ce.err)
			return ce.status
		}
		fmt.Fprintln(stderr, "parley:", err)
		return exitFailure
	}
	return 0
}

// commandError is a command's failure told in its own name ("parley chat:
// license 999 not found on …"), with the exit status it asks for.
type commandError struct {
	cmd    string
	status int
	err    error
}

func (e *commandError) Error() string { return e.cmd + ": " + e.err.Error() }
func (e *commandError) Unwrap() error { return e.err }

// helpPath returns the command whose --help explains a usage error:
// "parley serve" for an unknown flag of serve.
func helpPath(err error) string {
	var pe *kong.ParseError
	if errors.As(err, &pe) && pe.Context != nil {
		for i := len(pe.Context.Path) - 1; i >= 0; i-- {
			if n := pe.Context.Path[i].Command; n != nil {
				return n.FullPath()
			}
		}
	}
	return "parley"
}
