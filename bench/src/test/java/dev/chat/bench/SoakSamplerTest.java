package dev.chat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The sampler reads the live heap from jcmd's GC.heap_info, whichever collector the image runs. */
class SoakSamplerTest {

    @Test
    void theSerialCollectorsGenerationsAreAdded() {
        String out = """
                12345:
                Command executed successfully
                 def new generation   total 9216K, used 2212K [0x00000000fec00000, 0x00000000ff600000, 0x00000000ff600000)
                  eden space 8192K,  27% used [0x00000000fec00000, 0x00000000fee290e0, 0x00000000ff400000)
                  from space 1024K,   0% used [0x00000000ff400000, 0x00000000ff400000, 0x00000000ff500000)
                  to   space 1024K,   0% used [0x00000000ff500000, 0x00000000ff500000, 0x00000000ff600000)
                 tenured generation   total 10240K, used 6144K [0x00000000ff600000, 0x00000000ff600000, 0x0000000100000000)
                   the space 10240K,  60% used [0x00000000ff600000, 0x00000000ffc00010, 0x00000000ffc00200, 0x0000000100000000)
                 Metaspace       used 45678K, committed 46080K, reserved 1114112K
                  class space    used 5678K, committed 5888K, reserved 1048576K
                """;
        assertThat(SoakSampler.parseHeapUsed(out)).isEqualTo((2212 + 6144) * 1024L);
    }

    @Test
    void theSerialCollectorsGenerationsAsJdk25NamesThem() {
        String out = """
                9072:
                Command executed successfully
                 DefNew      total 99584K, used 2507K [0x00000000ebc00000, 0x00000000f2800000, 0x00000000f2800000)
                  eden space 88576K,   2% used [0x00000000ebc00000, 0x00000000ebe72fd8, 0x00000000f1280000)
                  from space 11008K,   0% used [0x00000000f1280000, 0x00000000f1280000, 0x00000000f1d40000)
                  to   space 11008K,   0% used [0x00000000f1d40000, 0x00000000f1d40000, 0x00000000f2800000)
                 Tenured     total 221184K, used 41000K [0x00000000f2800000, 0x0000000100000000)
                   the space 221184K,  18% used [0x00000000f2800000, 0x00000000f500a000, 0x0000000100000000)
                 Metaspace   used 98765K, committed 99328K, reserved 1179648K
                """;
        assertThat(SoakSampler.parseHeapUsed(out)).isEqualTo((2507 + 41000) * 1024L);
    }

    @Test
    void theG1HeapIsReadToo() {
        String out = """
                 garbage-first heap   total reserved 4194304K, committed 262144K, used 21026K [0x00000000f0000000, 0x0000000100000000)
                  region size 1024K, 42 young (43008K), 15 survivors (15360K)
                 Metaspace       used 9812K, committed 10048K, reserved 1114112K
                """;
        assertThat(SoakSampler.parseHeapUsed(out)).isEqualTo(21026 * 1024L);
    }

    @Test
    void outputWithoutAGenerationIsUnreadable() {
        assertThat(SoakSampler.parseHeapUsed("12345:\njava.io.IOException: No such process\n")).isEqualTo(-1);
    }
}
