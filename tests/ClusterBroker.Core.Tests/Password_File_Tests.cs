using System.Text;
using ClusterBroker.Core.Security;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Tests;

public class Password_File_Tests
{
    // Written by mosquitto_passwd 2.0.11 (-b: alice / s3cret!, bob / hunter2); carol is a $6$ (SHA-512) line for "legacy".
    private const string MosquittoFile = """
        alice:$7$101$l6XFLgNpUFfBPyxz$LxIJ21Ltmd+12lX3PQt90mAiy4xmUjd04GJSAx7fAQahzmGWQ1z/LNND2P575/OcbJfdlbGvExVFdDU2dVtGrg==
        bob:$7$101$BzD5PvJfRbgrUk6t$KVJHS9mIlYtFeltwvtn+mA4TC9WUSDuqI+Mr3vbtaCwxiK86ltq+VRoJIjydShkoLhvijxOi21L988K7cI9Xlw==
        carol:$6$AAECAwQFBgcICQoL$ITswgFfsIwwUBW72gPmtgC6nfnwYuYoQo1T6LiC8j76xueZC6JC7qn7rwviAIWywO7ql8fpEVicgr0xi9O7fpg==
        """;

    [Theory]
    [InlineData("alice", "s3cret!", true)]
    [InlineData("alice", "s3cret", false)]
    [InlineData("bob", "hunter2", true)]
    [InlineData("carol", "legacy", true)]
    [InlineData("carol", "Legacy", false)]
    public void A_file_written_by_mosquitto_passwd_is_read_as_is(string user, string password, bool accepted)
    {
        PasswordFile file = PasswordFile.Parse(MosquittoFile);
        Assert.Empty(file.Errors);
        Assert.Equal(accepted, file.Users[user].Verify(Encoding.UTF8.GetBytes(password)));
    }

    [Fact]
    public void A_created_hash_round_trips_through_the_file_form_in_the_7_format()
    {
        PasswordHash created = PasswordHash.Create("pw"u8);
        string line = created.ToString();
        Assert.StartsWith("$7$101$", line);
        Assert.True(PasswordHash.TryParse(line, out PasswordHash? read, out _));
        Assert.True(read!.Verify("pw"u8));
        Assert.False(read.Verify("pW"u8));
        Assert.NotEqual(line, PasswordHash.Create("pw"u8).ToString()); // a new salt each time
    }

    [Fact]
    public void Unusable_lines_are_reported_with_their_line_numbers_and_leave_the_others_usable()
    {
        string text = string.Join('\n',
            "# users",                                   // 1 comment
            "",                                          // 2 blank
            "nocolon",                                   // 3
            ":$7$101$AAECAwQFBgcICQoL$" + new string('A', 86) + "==", // 4 empty user
            "dave:",                                     // 5 no hash
            "erin:plaintext",                            // 6 not a hash
            "frank:$7$0$AAECAwQFBgcICQoL$" + new string('A', 86) + "==", // 7 zero iterations
            "gina:$7$101$c2hvcnQ=$" + new string('A', 86) + "==",        // 8 short salt
            "hank:$5$AAECAwQFBgcICQoL$xyz",              // 9 unknown type
            MosquittoFile.Split('\n')[0]);              // 10 alice, fine
        PasswordFile file = PasswordFile.Parse(text);

        Assert.Equal([3, 4, 5, 6, 7, 8, 9], file.Errors.Select(e => e.Line));
        Assert.Equal(["alice"], file.Users.Keys);
        Assert.All(file.Errors, e => Assert.DoesNotContain("plaintext", e.Message));
    }

    [Fact]
    public void A_user_listed_twice_keeps_the_last_line_and_is_reported()
    {
        string first = "zed:" + PasswordHash.Create("one"u8);
        string second = "zed:" + PasswordHash.Create("two"u8);
        PasswordFile file = PasswordFile.Parse(first + "\r\n" + second + "\r\n");
        Assert.True(file.Users["zed"].Verify("two"u8));
        Assert.Equal(2, Assert.Single(file.Errors).Line);
    }

    [Fact]
    public async Task Unknown_users_missing_and_wrong_passwords_all_get_0x86_with_the_same_reason()
    {
        var authenticator = new PasswordFileAuthenticator(PasswordFile.Parse(MosquittoFile), allowAnonymous: false);
        AuthenticationResult unknown = await authenticator.AuthenticateAsync(Request("mallory", "x"), default);
        AuthenticationResult wrong = await authenticator.AuthenticateAsync(Request("alice", "x"), default);
        AuthenticationResult missing = await authenticator.AuthenticateAsync(Request("alice", null), default);
        AuthenticationResult right = await authenticator.AuthenticateAsync(Request("alice", "s3cret!"), default);
        AuthenticationResult anonymous = await authenticator.AuthenticateAsync(new AuthenticationRequest("c", null, null, "127.0.0.1:1", ProtocolVersion.V500, null, null), default);

        Assert.All([unknown, wrong, missing], r => Assert.Equal((ReasonCode.BadUserNameOrPassword, "Bad user name or password."), (r.ReasonCode, r.ReasonString)));
        Assert.True(right.IsSuccess);
        Assert.Equal(ReasonCode.NotAuthorized, anonymous.ReasonCode);
    }

    [Fact]
    public async Task Replacing_the_users_applies_to_the_next_CONNECT()
    {
        var authenticator = new PasswordFileAuthenticator(PasswordFile.Parse(MosquittoFile), allowAnonymous: true);
        Assert.True((await authenticator.AuthenticateAsync(Request("bob", "hunter2"), default)).IsSuccess);

        authenticator.Replace(PasswordFile.Parse("bob:" + PasswordHash.Create("changed"u8)));

        Assert.False((await authenticator.AuthenticateAsync(Request("bob", "hunter2"), default)).IsSuccess);
        Assert.True((await authenticator.AuthenticateAsync(Request("bob", "changed"), default)).IsSuccess);
    }

    private static AuthenticationRequest Request(string user, string? password) =>
        new("c", user, password is null ? null : Encoding.UTF8.GetBytes(password), "127.0.0.1:1", ProtocolVersion.V500, null, null);
}
