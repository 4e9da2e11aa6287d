using DeepFinance.Core.Llm;
using DeepFinance.Core.Privacy;

namespace DeepFinance.Core.Tests.Llm;

public sealed class RequestHasherTests
{
    private static readonly SynthesizerProfile Profile = new("a", "http://x/v1", "m", "key-1", 0.6, 100, 1, 0, 0, 1, 2, false, false, false, true);
    private static readonly LlmRequest Request = new("a", [ChatMessage.User("q")], 0, "", "sampling", RequestProvenance.Public);

    [Fact]
    public void Same_request_same_hash_and_the_key_is_not_part_of_it() =>
        Assert.Equal(RequestHasher.Hash(Profile, Request), RequestHasher.Hash(Profile with { ApiKey = "key-2" }, Request));

    [Fact]
    public void Sample_index_salt_model_messages_and_parameters_each_change_the_hash()
    {
        var h = RequestHasher.Hash(Profile, Request);
        Assert.NotEqual(h, RequestHasher.Hash(Profile, Request with { SampleIndex = 1 }));
        Assert.NotEqual(h, RequestHasher.Hash(Profile, Request with { SamplingSalt = "s" }));
        Assert.NotEqual(h, RequestHasher.Hash(Profile with { Model = "n" }, Request));
        Assert.NotEqual(h, RequestHasher.Hash(Profile with { BaseUrl = "http://y/v1" }, Request));
        Assert.NotEqual(h, RequestHasher.Hash(Profile, Request with { Messages = [ChatMessage.User("q2")] }));
        Assert.NotEqual(h, RequestHasher.Hash(Profile, Request with { Temperature = 0.1 }));
        Assert.NotEqual(h, RequestHasher.Hash(Profile, Request with { JsonSchema = "{}" }));
    }

    [Fact]
    public void Provenance_and_purpose_describe_the_call_but_do_not_change_the_paid_answer()
    {
        // A question whose lineage becomes known later must still find the answer already paid for.
        var h = RequestHasher.Hash(Profile, Request);
        Assert.Equal(h, RequestHasher.Hash(Profile, Request with { Provenance = RequestProvenance.RawDerived }));
        Assert.Equal(h, RequestHasher.Hash(Profile, Request with { Provenance = RequestProvenance.Desensitized }));
        Assert.Equal(h, RequestHasher.Hash(Profile, Request with { Purpose = "judge" }));
    }

    [Fact]
    public void Cost_bills_prompt_and_completion_tokens_once() =>
        Assert.Equal(0.000_005m, SynthesizerProfile.CostOf(1, 2, 1, 2));
}
