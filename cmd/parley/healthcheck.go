package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheckCmd asks a running server's /healthz whether it serves: the
// container image's HEALTHCHECK runs it, since the image has no curl.
type healthcheckCmd struct {
	Addr    string        `default:":8080" env:"PARLEY_ADDR" help:"Listen address of the server (as given to parley serve); its port on 127.0.0.1 is asked unless --url is given."`
	URL     string        `name:"url" help:"URL of the server's /healthz (default: http://127.0.0.1:<port of --addr>/healthz)."`
	Timeout time.Duration `default:"5s" help:"How long to wait for the answer."`
}

func (c *healthcheckCmd) Run() error {
	url := c.URL
	if url == "" {
		host, port, err := net.SplitHostPort(c.Addr)
		if err != nil {
			return fmt.Errorf("--addr: %w", err)
		}
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			host = "127.0.0.1"
		}
		url = "http://" + net.JoinHostPort(host, port) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&body)
	if resp.StatusCode != http.StatusOK || err != nil || body.Status != "ok" {
		return fmt.Errorf("unhealthy: %s answered %s (status %q)", url, resp.Status, body.Status)
	}
	fmt.Fprintf(stdout, "%s: ok\n", url)
	return nil
}
