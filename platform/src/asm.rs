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

    // The vector state ninux's code may clobber: ymm0-15, MXCSR, the x87
    // control word, at [reg] (ymm i at 32 i, MXCSR at 512, FCW at 516).
    // Plain moves: XSAVE and friends cost 100-180 ns on this machine class.
    .macro NX_SAVE_VECTORS reg
    vmovdqu [\reg], ymm0
    vmovdqu [\reg + 32], ymm1
    vmovdqu [\reg + 64], ymm2
    vmovdqu [\reg + 96], ymm3
    vmovdqu [\reg + 128], ymm4
    vmovdqu [\reg + 160], ymm5
    vmovdqu [\reg + 192], ymm6
    vmovdqu [\reg + 224], ymm7
    vmovdqu [\reg + 256], ymm8
    vmovdqu [\reg + 288], ymm9
    vmovdqu [\reg + 320], ymm10
    vmovdqu [\reg + 352], ymm11
    vmovdqu [\reg + 384], ymm12
    vmovdqu [\reg + 416], ymm13
    vmovdqu [\reg + 448], ymm14
    vmovdqu [\reg + 480], ymm15
    stmxcsr [\reg + 512]
    fnstcw [\reg + 516]
    .endm

    .macro NX_LOAD_VECTORS reg
    vmovdqu ymm0, [\reg]
    vmovdqu ymm1, [\reg + 32]
    vmovdqu ymm2, [\reg + 64]
    vmovdqu ymm3, [\reg + 96]
    vmovdqu ymm4, [\reg + 128]
    vmovdqu ymm5, [\reg + 160]
    vmovdqu ymm6, [\reg + 192]
    vmovdqu ymm7, [\reg + 224]
    vmovdqu ymm8, [\reg + 256]
    vmovdqu ymm9, [\reg + 288]
    vmovdqu ymm10, [\reg + 320]
    vmovdqu ymm11, [\reg + 352]
    vmovdqu ymm12, [\reg + 384]
    vmovdqu ymm13, [\reg + 416]
    vmovdqu ymm14, [\reg + 448]
    vmovdqu ymm15, [\reg + 480]
    ldmxcsr [\reg + 512]
    fldcw [\reg + 516]
    .endm

    // AVX-512's upper halves of zmm0-15 (ZMM_Hi256, fast.rs AVX512), 512
    // bytes at reg: VEX code in ninux (crates' AVX2 paths, vzeroupper)
    // zeroes them. zmm16-31 and the opmasks are not saved: no code of
    // ninux's outside this block names them (link/sse2-string-functions.ld).
    // The load keeps the lower halves, restored before it.
    .macro NX_SAVE_ZMM_HI256 reg
    vextracti64x4 ymmword ptr [\reg + 0], zmm0, 1
    vextracti64x4 ymmword ptr [\reg + 32], zmm1, 1
    vextracti64x4 ymmword ptr [\reg + 64], zmm2, 1
    vextracti64x4 ymmword ptr [\reg + 96], zmm3, 1
    vextracti64x4 ymmword ptr [\reg + 128], zmm4, 1
    vextracti64x4 ymmword ptr [\reg + 160], zmm5, 1
    vextracti64x4 ymmword ptr [\reg + 192], zmm6, 1
    vextracti64x4 ymmword ptr [\reg + 224], zmm7, 1
    vextracti64x4 ymmword ptr [\reg + 256], zmm8, 1
    vextracti64x4 ymmword ptr [\reg + 288], zmm9, 1
    vextracti64x4 ymmword ptr [\reg + 320], zmm10, 1
    vextracti64x4 ymmword ptr [\reg + 352], zmm11, 1
    vextracti64x4 ymmword ptr [\reg + 384], zmm12, 1
    vextracti64x4 ymmword ptr [\reg + 416], zmm13, 1
    vextracti64x4 ymmword ptr [\reg + 448], zmm14, 1
    vextracti64x4 ymmword ptr [\reg + 480], zmm15, 1
    .endm

    .macro NX_LOAD_ZMM_HI256 reg
    vinserti64x4 zmm0, zmm0, ymmword ptr [\reg + 0], 1
    vinserti64x4 zmm1, zmm1, ymmword ptr [\reg + 32], 1
    vinserti64x4 zmm2, zmm2, ymmword ptr [\reg + 64], 1
    vinserti64x4 zmm3, zmm3, ymmword ptr [\reg + 96], 1
    vinserti64x4 zmm4, zmm4, ymmword ptr [\reg + 128], 1
    vinserti64x4 zmm5, zmm5, ymmword ptr [\reg + 160], 1
    vinserti64x4 zmm6, zmm6, ymmword ptr [\reg + 192], 1
    vinserti64x4 zmm7, zmm7, ymmword ptr [\reg + 224], 1
    vinserti64x4 zmm8, zmm8, ymmword ptr [\reg + 256], 1
    vinserti64x4 zmm9, zmm9, ymmword ptr [\reg + 288], 1
    vinserti64x4 zmm10, zmm10, ymmword ptr [\reg + 320], 1
    vinserti64x4 zmm11, zmm11, ymmword ptr [\reg + 352], 1
    vinserti64x4 zmm12, zmm12, ymmword ptr [\reg + 384], 1
    vinserti64x4 zmm13, zmm13, ymmword ptr [\reg + 416], 1
    vinserti64x4 zmm14, zmm14, ymmword ptr [\reg + 448], 1
    vinserti64x4 zmm15, zmm15, ymmword ptr [\reg + 480], 1
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
    // Guest FS into rax before BLOCK (a signal in between finds ninux's FS
    // live and leaves the slot alone).
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
    cmp rax, gs:[8]
    je 90f
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
    // BLOCK with ninux's FS live: the signal hit an entry or exit stub
    // between its FS switch and its selector switch. The guest's FS is
    // already in its slot (the live one is not the guest's): keep both.
90: mov byte ptr gs:[0], 0
    sub rsp, 8
    call {on_guest}
    add rsp, 8
    mov byte ptr gs:[0], 1
    ret
87: sub rsp, 8
    call {on_host}
    add rsp, 8
    ret

    // The fast path (fast.rs): a rewritten syscall site's trampoline steps
    // over the red zone and does `call [slot]` to here, so [rsp] is the
    // address R of the trampoline's own `syscall` instruction (the restart
    // and SIGSYS point) and the guest's rsp is rsp + 8 + 128. The selector
    // is BLOCK and the guest's FS live, as at any guest instruction. Saves
    // every register into the block with rip = R + 2 (as a trap at R
    // would), swaps FS, ALLOW, switches to the alternate stack, saves the
    // vector state Rust code clobbers, leaving room below the stack top for
    // a standard XSAVE form of it, and calls
    // on_fast_syscall(block, vectors, standard); then the exit
    // restores whatever the dispatcher left in the block, which may be a
    // new rip (a signal handler, a restart at R).
    .globl ninux_fast_entry
ninux_fast_entry:
    pushfq
    mov gs:[24], rax
    mov gs:[32], rbx
    mov gs:[40], rcx
    mov gs:[48], rdx
    mov gs:[56], rsi
    mov gs:[64], rdi
    mov gs:[72], rbp
    mov gs:[88], r8
    mov gs:[96], r9
    mov gs:[104], r10
    mov gs:[112], r11
    mov gs:[120], r12
    mov gs:[128], r13
    mov gs:[136], r14
    mov gs:[144], r15
    pop rax
    mov gs:[160], rax
    pop rax
    add rax, 2
    mov gs:[152], rax
    lea rax, [rsp + 128]
    mov gs:[80], rax
    NX_RDFS
    mov gs:[16], rax
    mov rax, gs:[8]
    NX_WRFS
    mov byte ptr gs:[0], 0
    mov rsp, gs:[184]
    add rsp, gs:[192]
    sub rsp, [rip + {xsize}]
    and rsp, -64
    mov r12, rsp
    sub rsp, [rip + {xsize}]
    and rsp, -64
    sub rsp, 576
    mov rbx, rsp
    NX_SAVE_VECTORS rbx
    // r13 (callee-saved, the guest's own is in the block): the ZMM_Hi256
    // area, or 0.
    xor r13d, r13d
    cmp byte ptr [rip + {avx512}], 0
    je 87f
    sub rsp, 512
    mov r13, rsp
    NX_SAVE_ZMM_HI256 r13
87:
    mov qword ptr gs:[216], 0
    mov rdi, gs:[200]
    mov rsi, rbx
    mov rdx, r12
    mov rcx, r13
    call {on_fast}
    // fp_ptr set: a signal delivery or sigreturn rewrote the state in
    // standard XSAVE form (AVX-512's too); else the vectors saved above
    // come back.
    mov rax, gs:[216]
    test rax, rax
    jz 88f
    mov rbx, rax
    mov eax, [rip + {rmask}]
    mov edx, [rip + {rmask} + 4]
    xrstor64 [rbx]
    jmp 90f
88: NX_LOAD_VECTORS rbx
    test r13, r13
    jz 90f
    NX_LOAD_ZMM_HI256 r13
90:
    // Guest FS before BLOCK, as in ninux_enter_guest.
    mov rax, gs:[16]
    mov byte ptr gs:[0], 1
    NX_WRFS
    push qword ptr gs:[160]
    popfq
    mov rax, gs:[24]
    mov rbx, gs:[32]
    mov rcx, gs:[40]
    mov rdx, gs:[48]
    mov rsi, gs:[56]
    mov rdi, gs:[64]
    mov rbp, gs:[72]
    mov r8, gs:[88]
    mov r9, gs:[96]
    mov r10, gs:[104]
    mov r11, gs:[112]
    mov r12, gs:[120]
    mov r13, gs:[128]
    mov r14, gs:[136]
    mov r15, gs:[144]
    mov rsp, gs:[80]
    jmp qword ptr gs:[152]

    // ninux_xsave(area): XSAVE of the live x87/SSE/AVX (and AVX-512) state
    // in standard form into a zeroed, 64-aligned area (fast.rs overwrites
    // the parts ninux's code changed with the guest's saved values).
    .globl ninux_xsave
ninux_xsave:
    mov eax, [rip + {rmask}]
    mov edx, [rip + {rmask} + 4]
    xsave64 [rdi]
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
    on_fast = sym crate::fast::on_fast_syscall,
    xsize = sym crate::fast::XSAVE_SIZE,
    avx512 = sym crate::fast::AVX512,
    rmask = sym crate::fast::RESTORE_MASK,
);

extern "C" {
    pub fn ninux_enter_guest(block: *mut crate::block::ThreadBlock) -> u64;
    pub fn ninux_leave_guest(block: *mut crate::block::ThreadBlock, value: u64) -> !;
    pub fn ninux_signal_entry();
    pub fn ninux_restorer();
    pub fn ninux_fast_entry();
    pub fn ninux_xsave(area: *mut u8);
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
