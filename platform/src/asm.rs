//! Every trampoline of ninux, in one `global_asm!` block in its own section,
//! with the start and end labels inside the block so the SUD exempt region
//! provably encloses them (PLATFORM-NOTES 14). Syscalls made from here are
//! never trapped, whatever the selector says.
//!
//! Block offsets (checked in block.rs): selector 0, host_fs 8, guest_fs 16,
//! regs 24 (rax 24, rbx 32, rcx 40, rdx 48, rsi 56, rdi 64, rbp 72, rsp 80,
//! r8 88 … r15 144, rip 152, rflags 160), host_rsp 168.

use std::sync::atomic::AtomicU8;

/// 1 when the FSGSBASE instructions may be used, else the stubs fall back to
/// `arch_prctl` syscalls (allowed here because this is the exempt region).
pub static HAVE_FSGSBASE: AtomicU8 = AtomicU8::new(0);

std::arch::global_asm!(
    r#"
    .pushsection .text.ninux_exempt,"ax",@progbits
    .balign 64
    .globl ninux_exempt_start
ninux_exempt_start:

    // rax := FS base. Clobbers rcx, r11.
    .macro NX_RDFS
    cmp byte ptr [rip + {have}], 0
    je 81f
    rdfsbase rax
    jmp 82f
81: push rdi
    push rsi
    sub rsp, 8
    mov rsi, rsp
    mov edi, 0x1003
    mov eax, 158
    syscall
    mov rax, [rsp]
    add rsp, 8
    pop rsi
    pop rdi
82:
    .endm

    // rax := GS base. Clobbers rcx, r11.
    .macro NX_RDGS
    cmp byte ptr [rip + {have}], 0
    je 83f
    rdgsbase rax
    jmp 84f
83: push rdi
    push rsi
    sub rsp, 8
    mov rsi, rsp
    mov edi, 0x1004
    mov eax, 158
    syscall
    mov rax, [rsp]
    add rsp, 8
    pop rsi
    pop rdi
84:
    .endm

    // FS base := rax. Clobbers rax, rcx, r11.
    .macro NX_WRFS
    cmp byte ptr [rip + {have}], 0
    je 85f
    wrfsbase rax
    jmp 86f
85: push rdi
    push rsi
    push rdx
    mov rsi, rax
    mov edi, 0x1002
    mov eax, 158
    syscall
    pop rdx
    pop rsi
    pop rdi
86:
    .endm

    // u64 ninux_enter_guest(ThreadBlock *b): saves the host's callee-saved
    // registers and stack, switches FS to the guest's, sets the selector to
    // BLOCK and jumps to b->regs.rip with every register from b->regs. It
    // "returns" only through ninux_leave_guest.
    .globl ninux_enter_guest
ninux_enter_guest:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi + 168], rsp
    NX_RDFS
    mov [rdi + 8], rax
    // Load the guest FS before BLOCK: a signal in between saves the live FS as
    // the guest's, so the slot may be overwritten, but rax is not.
    mov rax, [rdi + 16]
    mov byte ptr [rdi], 1
    NX_WRFS
    mov rbx, [rdi + 32]
    mov rcx, [rdi + 40]
    mov rdx, [rdi + 48]
    mov rsi, [rdi + 56]
    mov rbp, [rdi + 72]
    mov r8, [rdi + 88]
    mov r9, [rdi + 96]
    mov r10, [rdi + 104]
    mov r11, [rdi + 112]
    mov r12, [rdi + 120]
    mov r13, [rdi + 128]
    mov r14, [rdi + 136]
    mov r15, [rdi + 144]
    mov rax, [rdi + 24]
    lea rsp, [rdi + 160]
    popfq
    mov rsp, [rdi + 80]
    mov rdi, [rdi + 64]
    jmp qword ptr gs:[152]

    // ninux_leave_guest(ThreadBlock *b, u64 value): from ninux code (host FS,
    // selector ALLOW), return `value` from this thread's ninux_enter_guest.
    .globl ninux_leave_guest
ninux_leave_guest:
    mov rsp, [rdi + 168]
    mov rax, rsi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

    // The handler of every host signal ninux catches (SA_SIGINFO|SA_ONSTACK|
    // SA_RESTORER, running on the thread's alternate stack). A thread with a
    // block whose selector is BLOCK was running guest code: swap to ninux's FS
    // and ALLOW around the call into Rust, and back after. Otherwise the signal
    // hit ninux itself.
    .globl ninux_signal_entry
ninux_signal_entry:
    NX_RDGS
    test rax, rax
    jz 87f
    cmp byte ptr gs:[0], 1
    jne 87f
    NX_RDFS
    mov gs:[16], rax
    mov rax, gs:[8]
    NX_WRFS
    mov byte ptr gs:[0], 0
    sub rsp, 8
    call {on_guest}
    add rsp, 8
    mov rax, gs:[16]
    mov byte ptr gs:[0], 1
    NX_WRFS
    ret
87: sub rsp, 8
    call {on_host}
    add rsp, 8
    ret

    // The signal restorer: rt_sigreturn from inside the exempt region, so it
    // works with the selector at BLOCK (PLATFORM-NOTES 1).
    .globl ninux_restorer
ninux_restorer:
    mov eax, 15
    syscall
    int3

    // i64 ninux_copy_bytes(dst, src, len): 0, or -1 if a page faulted. The
    // SIGSEGV/SIGBUS handler moves a fault at ninux_copy_insn to
    // ninux_copy_fault (like the kernel's uaccess fixups).
    .globl ninux_copy_bytes
ninux_copy_bytes:
    mov rcx, rdx
    .globl ninux_copy_insn
ninux_copy_insn:
    rep movsb
    xor eax, eax
    ret
    .globl ninux_copy_fault
ninux_copy_fault:
    mov rax, -1
    ret

    // The exempt check uses the address after a `syscall`: pad so no syscall
    // ends exactly at the region's end (PLATFORM-NOTES 2).
    .balign 16
    int3
    int3
    .globl ninux_exempt_end
ninux_exempt_end:
    .popsection
"#,
    have = sym HAVE_FSGSBASE,
    on_guest = sym crate::signals::on_guest_signal,
    on_host = sym crate::signals::on_host_signal,
);

extern "C" {
    pub fn ninux_enter_guest(block: *mut crate::block::ThreadBlock) -> u64;
    pub fn ninux_leave_guest(block: *mut crate::block::ThreadBlock, value: u64) -> !;
    pub fn ninux_signal_entry();
    pub fn ninux_restorer();
    pub fn ninux_copy_bytes(dst: *mut u8, src: *const u8, len: usize) -> i64;
    pub fn ninux_copy_insn();
    pub fn ninux_copy_fault();
    pub fn ninux_exempt_start();
    pub fn ninux_exempt_end();
}

/// The address of an assembly label.
pub fn label(f: unsafe extern "C" fn()) -> u64 {
    f as usize as u64
}
