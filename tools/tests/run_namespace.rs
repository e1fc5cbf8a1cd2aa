//! `ninux run`'s namespace options on real programs: `-b HOST:GUEST:ro`,
//! `-r DIR --rw`, busybox applets running out of a rootfs tar, and the
//! temporary writable layer of a killed ninux swept away by the next run.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use testsuite::host::Tool;

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");

fn busybox() -> Option<PathBuf> {
    Tool::Busybox.locate_or_skip()
}

/// `ninux ARGS…` with TMPDIR set to `tmp` (where its writable layer goes).
fn ninux(tmp: &Path, args: &[&str]) -> Output {
    Command::new(NINUX)
        .args(args)
        .env("TMPDIR", tmp)
        .stdin(Stdio::null())
        .output()
        .expect("ninux starts")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Where ninux puts a run's temporary writable layer under `tmp`.
fn uppers_dir(tmp: &Path) -> std::path::PathBuf {
    kernel::build::uppers_dir(tmp)
}

fn uppers(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(uppers_dir(tmp))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("ninux-upper-"))
        .collect()
}

#[test]
fn a_readonly_bind_refuses_changes_and_a_readwrite_bind_reaches_the_host() {
    let Some(bb) = busybox() else { return };
    let t = tempfile::tempdir().unwrap();
    let (ro, rw) = (t.path().join("ro"), t.path().join("rw"));
    std::fs::create_dir_all(&ro).unwrap();
    std::fs::create_dir_all(&rw).unwrap();
    std::fs::write(ro.join("f"), "kept\n").unwrap();
    let script = "cat /mnt/ro/f; \
        echo x > /mnt/ro/new || echo create refused; \
        echo x >> /mnt/ro/f || echo append refused; \
        rm /mnt/ro/f || echo remove refused; \
        mkdir /mnt/ro/d || echo mkdir refused; \
        touch /mnt/ro/f || echo touch refused; \
        chmod 600 /mnt/ro/f || echo chmod refused; \
        mv /mnt/ro/f /mnt/ro/g || echo rename refused; \
        exec 3</mnt/ro/f; echo x > /dev/fd/3 || echo reopen refused; \
        echo written > /mnt/rw/out";
    let out = ninux(
        t.path(),
        &[
            "run",
            "-b",
            &format!("{}:/mnt/ro:ro", ro.display()),
            "-b",
            &format!("{}:/mnt/rw", rw.display()),
            "--",
            bb.to_str().unwrap(),
            "sh",
            "-c",
            script,
        ],
    );
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout,
        "kept\ncreate refused\nappend refused\nremove refused\nmkdir refused\n\
         touch refused\nchmod refused\nrename refused\nreopen refused\n",
        "stderr: {}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("Read-only file system"),
        "{}",
        text(&out.stderr)
    );
    let names: Vec<_> = std::fs::read_dir(&ro).unwrap().flatten().collect();
    assert_eq!(names.len(), 1, "the read-only bind changed");
    assert_eq!(std::fs::read_to_string(ro.join("f")).unwrap(), "kept\n");
    assert_eq!(
        std::fs::read_to_string(rw.join("out")).unwrap(),
        "written\n"
    );
}

#[test]
fn reopening_a_read_only_fd_for_writing_copies_up_instead_of_writing_the_host() {
    let Some(bb) = busybox() else { return };
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("host-file");
    std::fs::write(&f, "original\n").unwrap();
    let script = format!(
        "exec 3<{0}; echo changed > /dev/fd/3; cat {0}; echo again > /proc/self/fd/3; cat {0}",
        f.display()
    );
    let out = ninux(
        t.path(),
        &["run", "--", bb.to_str().unwrap(), "sh", "-c", &script],
    );
    assert_eq!(
        text(&out.stdout),
        "changed\nagain\n",
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "original\n");
}

#[test]
fn setting_times_copies_up_instead_of_touching_the_host() {
    let Some(bb) = busybox() else { return };
    let t = tempfile::tempdir().unwrap();
    let (f, d, fifo) = (
        t.path().join("file"),
        t.path().join("dir"),
        t.path().join("fifo"),
    );
    std::fs::write(&f, "x").unwrap();
    std::fs::create_dir(&d).unwrap();
    let mtime = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let (before_f, before_d) = (mtime(&f), mtime(&d));
    // touch of a FIFO must not open it (nothing would ever write to it).
    let script = format!(
        "touch -d '2001-02-03 04:05:06' {0} {1} && stat -c %Y {0} {1} && mkfifo {2} && touch {2} && echo done",
        f.display(),
        d.display(),
        fifo.display()
    );
    let out = ninux(
        t.path(),
        &["run", "--", bb.to_str().unwrap(), "sh", "-c", &script],
    );
    let seen = text(&out.stdout);
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(lines.len(), 3, "{seen}{}", text(&out.stderr));
    assert_eq!(lines[0], lines[1], "both got the time given: {seen}");
    assert_eq!(lines[2], "done");
    assert_eq!(mtime(&f), before_f, "the host file keeps its time");
    assert_eq!(mtime(&d), before_d, "the host directory keeps its time");
    assert!(!fifo.exists(), "the FIFO was made in the layer");
}

#[test]
fn a_root_directory_is_written_in_place_only_with_rw() {
    let Some(bb) = busybox() else { return };
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("root");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::copy(&bb, root.join("bin/busybox")).unwrap();
    let write = |extra: &[&str]| {
        let mut args = vec!["run", "-r", root.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[
            "--",
            "/bin/busybox",
            "sh",
            "-c",
            "echo made > /made && /bin/busybox cat /made",
        ]);
        ninux(t.path(), &args)
    };
    let out = write(&[]);
    assert_eq!(text(&out.stdout), "made\n", "{}", text(&out.stderr));
    assert!(!root.join("made").exists(), "the layer leaked to the host");
    let out = write(&["--rw"]);
    assert_eq!(text(&out.stdout), "made\n", "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(root.join("made")).unwrap(),
        "made\n"
    );
    // The root's own mount points (dev, proc, …) were not made on the host.
    assert!(!root.join("proc").exists());
    assert!(uppers(t.path()).is_empty(), "{:?}", uppers(t.path()));
    // --rw wants a host directory to write.
    let out = ninux(t.path(), &["run", "--rw", "--", "/bin/true"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--rw"), "{}", text(&out.stderr));
}

#[test]
fn busybox_applets_run_from_a_rootfs_tar() {
    let Some(bb) = busybox() else { return };
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    std::fs::create_dir_all(tree.join("bin")).unwrap();
    std::fs::create_dir_all(tree.join("tmp")).unwrap();
    std::fs::copy(&bb, tree.join("bin/busybox")).unwrap();
    for applet in [
        "sh", "ls", "cat", "cp", "mv", "rm", "mkdir", "ln", "readlink", "find", "tar", "sed",
        "sort", "uniq", "wc", "du", "stat", "chmod", "touch", "head", "tail", "md5sum", "diff",
        "gzip", "printf",
    ] {
        symlink("busybox", tree.join("bin").join(applet)).unwrap();
    }
    let tar = t.path().join("root.tar");
    let ok = Command::new("tar")
        .arg("-C")
        .arg(&tree)
        .arg("-cf")
        .arg(&tar)
        .arg(".")
        .status()
        .unwrap()
        .success();
    assert!(ok, "tar failed");
    // Every applet by its symlink in the tar, files made in the layer.
    let script = "cd /tmp && echo hello > a && cat a && mkdir -p x/y && cp -a a x/y/b \
        && ln -s ../a x/l && readlink -f x/l && find /tmp -name b -type f \
        && sed -i s/hello/bye/ x/y/b && cat x/y/b && md5sum x/y/b && readlink -f /bin/ls \
        && tar czf t.tgz x && rm -r x && tar xzf t.tgz && ls -R x \
        && printf 'b\\na\\nb\\n' | sort | uniq | wc -l && stat -c '%n %s' x/y/b \
        && touch -d '2020-01-02 03:04:05' a && ls -l a | cut -c1-10 && find x -newer a -type f \
        && mv x/y/b x/c && head -c 2 x/c && tail -c 2 x/c && chmod 600 x/c && stat -c %a x/c";
    let out = ninux(
        t.path(),
        &[
            "run",
            "-r",
            tar.to_str().unwrap(),
            "--",
            "/bin/sh",
            "-c",
            script,
        ],
    );
    assert_eq!(
        text(&out.stdout),
        "hello\n/tmp/a\n/tmp/x/y/b\nbye\n91fc14ad02afd60985bb8165bda320a6  x/y/b\n\
         /bin/busybox\nx:\nl\ny\n\nx/y:\nb\n2\nx/y/b 4\n-rw-r--r--\nx/y/b\nbye\n600\n",
        "stderr: {}",
        text(&out.stderr)
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The tar is untouched and nothing is left behind.
    assert!(uppers(t.path()).is_empty(), "{:?}", uppers(t.path()));
}

#[test]
fn a_killed_ninux_leaves_a_layer_the_next_run_removes() {
    let Some(bb) = busybox() else { return };
    let t = tempfile::tempdir().unwrap();
    let mut child = Command::new(NINUX)
        .args(["run", "--", bb.to_str().unwrap(), "sleep", "30"])
        .env("TMPDIR", t.path())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while uppers(t.path()).is_empty() {
        assert!(Instant::now() < deadline, "no writable layer appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SIGKILL: ninux cannot clean up.
    child.kill().unwrap();
    child.wait().unwrap();
    let left = uppers(t.path());
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].contains(&format!("-{}-", child.id())), "{left:?}");
    // A live owner's layer is kept: this test's pid stands for one.
    let live = uppers_dir(t.path()).join(format!("ninux-upper-{}-live", std::process::id()));
    std::fs::create_dir(&live).unwrap();
    let out = ninux(t.path(), &["run", "--", bb.to_str().unwrap(), "true"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        uppers(t.path()),
        vec![live.file_name().unwrap().to_string_lossy().into_owned()]
    );
}

#[test]
fn directory_link_counts_and_blocks_through_the_layer_match_linux() {
    let Some(bb) = busybox() else { return };
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    for d in ["x/y", "x/w", "bin"] {
        std::fs::create_dir_all(tree.join(d)).unwrap();
    }
    std::fs::copy(&bb, tree.join("bin/busybox")).unwrap();
    let tar = t.path().join("root.tar");
    assert!(Command::new("tar")
        .arg("-C")
        .arg(&tree)
        .args(["-cf", tar.to_str().unwrap(), "."])
        .status()
        .unwrap()
        .success());
    // `x` gets copied up by the mkdir below it, while `w` stays in the tar:
    // `..` must still count both subdirectories, and tar directories a block.
    let script = "cd x/y && mkdir z && stat -c '%n %h %b %s' .. . ../w z \
        && ls -la .. | head -1 && rmdir ../w && stat -c '%n %h' ..";
    let native = Command::new(&bb)
        .args(["sh", "-c", script])
        .current_dir(&tree)
        .output()
        .unwrap();
    assert!(native.status.success(), "{}", text(&native.stderr));
    let out = ninux(
        t.path(),
        &[
            "run",
            "-r",
            tar.to_str().unwrap(),
            "-w",
            "/",
            "--",
            "/bin/busybox",
            "sh",
            "-c",
            script,
        ],
    );
    assert_eq!(
        text(&out.stdout),
        text(&native.stdout),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn rename_exchange_on_the_copy_on_write_layer_over_a_tar() {
    use testsuite::build::build_c;
    use testsuite::case::Toolchain;
    let Some(bb) = busybox() else { return };
    let t = tempfile::tempdir().unwrap();
    let tool = build_c(
        &testsuite::cases_dir().join("differential/exchange.c"),
        "differential/exchange",
        Toolchain::Glibc,
        &t.path().join("build"),
    )
    .expect("exchange.c builds");
    let tree = t.path().join("tree");
    std::fs::create_dir_all(tree.join("bin")).unwrap();
    std::fs::create_dir_all(tree.join("d")).unwrap();
    std::fs::copy(&bb, tree.join("bin/busybox")).unwrap();
    std::fs::copy(&tool, tree.join("bin/exchange")).unwrap();
    std::fs::write(tree.join("a"), "A\n").unwrap();
    std::fs::write(tree.join("b"), "B\n").unwrap();
    std::fs::write(tree.join("d/x"), "X\n").unwrap();
    let tar = t.path().join("root.tar");
    assert!(Command::new("tar")
        .arg("-C")
        .arg(&tree)
        .args(["-cf", tar.to_str().unwrap(), "."])
        .status()
        .unwrap()
        .success());
    let run = |script: &str| {
        let out = ninux(
            t.path(),
            &[
                "run",
                "-r",
                tar.to_str().unwrap(),
                "-w",
                "/",
                "--",
                "/bin/busybox",
                "sh",
                "-c",
                script,
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    // Two files of the tar swap; each keeps its bytes.
    assert_eq!(
        run("/bin/exchange a b && cat a b"),
        "exchange a b = 0 \na: B\nb: A\nB\nA\n"
    );
    // A directory made in the layer and a file of the tar.
    assert_eq!(
        run("mkdir m && echo M > m/f && /bin/exchange m a && cat a/f && ls /"),
        "exchange m a = 0 \nm: A\na: dir\nM\na\nb\nbin\nd\ndev\nenv\nm\nmnt\nn\nnet\nproc\nsrv\nsys\n"
    );
    // A directory of the tar would merge into its new name's: EXDEV, as
    // overlayfs answers (Linux on a plain disk swaps them).
    assert_eq!(
        run("/bin/exchange d a"),
        "exchange d a = -1 Invalid cross-device link\nd: dir\na: A\n"
    );
}

#[test]
fn run_help_documents_readonly_binds_and_rw() {
    let out = Command::new(NINUX)
        .args(["run", "--help"])
        .output()
        .unwrap();
    let help = text(&out.stdout);
    assert!(help.contains("HOST:GUEST[:ro]"), "{help}");
    assert!(help.contains("--rw"), "{help}");
}
