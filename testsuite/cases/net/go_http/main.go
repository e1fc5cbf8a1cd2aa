// A Go HTTP server and client on loopback in one process: 1,000 requests
// over the standard library's net/http (epoll, non-blocking connect,
// accept4, setsockopt), then net.DialTimeout to a closed port, which must
// say "connection refused".
package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/echo/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", r.Method, strings.TrimPrefix(r.URL.Path, "/echo/"))
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)

	client := &http.Client{Timeout: 10 * time.Second}
	url := "http://" + ln.Addr().String() + "/echo/"
	h := sha256.New()
	for i := 0; i < 1000; i++ {
		resp, err := client.Get(fmt.Sprintf("%s%d", url, i))
		if err != nil {
			fmt.Println("get:", err)
			os.Exit(1)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || string(body) != fmt.Sprintf("GET %d", i) {
			fmt.Println("bad response", i, resp.StatusCode, string(body), err)
			os.Exit(1)
		}
		h.Write(body)
	}
	fmt.Printf("1000 requests, sha256 of bodies %x\n", h.Sum(nil))
	srv.Close()

	// A port nobody listens on: take one, then close it.
	l2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	closed := l2.Addr().String()
	l2.Close()
	_, err = net.DialTimeout("tcp", closed, 2*time.Second)
	if err != nil && strings.Contains(err.Error(), "connection refused") {
		fmt.Println("dial closed port: connection refused")
	} else {
		fmt.Println("dial closed port:", err)
		os.Exit(1)
	}
}
