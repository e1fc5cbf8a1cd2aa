// Goroutines under the Go runtime's threads, futexes and signals: eight
// goroutines pass a token round a ring of channels, each sleeping a little
// on its turn; then the program sends itself SIGINT, caught through
// signal.Notify, and a ticker and a timer fire. The output is
// deterministic: only counts and orders are printed.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"
)

const workers = 8
const rounds = 25

func ring() {
	chans := make([]chan int, workers)
	for i := range chans {
		chans[i] = make(chan int)
	}
	var wg sync.WaitGroup
	visits := make([]int, workers)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			next := chans[(i+1)%workers]
			for v := range chans[i] {
				visits[i]++
				if v%50 == 0 {
					time.Sleep(time.Millisecond)
				}
				if v == workers*rounds {
					// The last hop: close the ring from here.
					for _, c := range chans {
						if c != chans[i] {
							close(c)
						}
					}
					close(chans[i])
					return
				}
				next <- v + 1
			}
		}(i)
	}
	chans[0] <- 1
	wg.Wait()
	total := 0
	for _, v := range visits {
		total += v
	}
	fmt.Printf("ring: %d hops over %d goroutines, each visited %d times\n", total, workers, visits[3])
}

func pingpong() {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v * 2
		}
		close(pong)
	}()
	sum := 0
	for i := 0; i < 10000; i++ {
		ping <- i
		sum += <-pong
	}
	close(ping)
	<-pong
	fmt.Printf("ping-pong: 10000 round trips, sum %d\n", sum)
}

func sigint() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGINT)
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		fmt.Println("kill:", err)
		return
	}
	select {
	case s := <-c:
		fmt.Printf("caught %v\n", s)
	case <-time.After(10 * time.Second):
		fmt.Println("no signal within 10s")
	}
	signal.Stop(c)
}

func timers() {
	start := time.Now()
	t := time.NewTimer(30 * time.Millisecond)
	tick := time.NewTicker(5 * time.Millisecond)
	ticks := 0
	for ticks < 3 {
		<-tick.C
		ticks++
	}
	tick.Stop()
	<-t.C
	fmt.Printf("%d ticks, then the timer; slept at least 30ms: %v\n", ticks, time.Since(start) >= 30*time.Millisecond)
}

func main() {
	runtime.GOMAXPROCS(4)
	ring()
	pingpong()
	sigint()
	timers()
	var m sync.Mutex
	var wg sync.WaitGroup
	n := 0
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				m.Lock()
				n++
				m.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Printf("mutex counter: %d\n", n)
}
