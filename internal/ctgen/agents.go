package ctgen

import (
	"math/rand/v2"
	"strconv"
)

// userAgents are typical CloudTrail userAgent strings. The named indexes
// below are used for specific flows.
var userAgents = []string{
	"aws-cli/2.17.32 md/awscrt#0.21.2 ua/2.0 os/linux#5.15.0-1064-aws md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.22 md/prompt#off md/command#s3.ls",
	"aws-cli/2.15.10 Python/3.11.6 Darwin/23.2.0 exe/x86_64 prompt/off command/sts.get-caller-identity",
	"Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#5.10.219-208.866.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.3 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.84",
	"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2",
	"APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.58.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.30.1 ua/2.0 os/linux lang/go#1.22.4 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.168.0",
	"aws-sdk-java/1.12.641 Linux/5.10.210-201.852.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS java/17.0.10 vendor/Amazon.com_Inc. cfg/retry-mode/standard",
	"aws-sdk-nodejs/2.1583.0 linux/v18.19.1 exec-env/AWS_ECS_FARGATE promise",
	"AWS Internal",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
	"aws-sdk-js/3.600.0 ua/2.1 os/linux#6.5.0-1022-azure lang/js md/nodejs#20.15.0 api/sts#3.600.0 GitHubActions",
	"aws-sdk-kotlin/1.2.28 ua/2.0 api/cognito-identity#1.2.28 os/android#14 lang/kotlin#1.9.23 md/javaVersion#17",
	"lambda.amazonaws.com",
}

const (
	uaConsole        = 7
	uaBrowser        = 8
	uaGitHub         = 9
	uaMobile         = 10
	uaSDKServiceSide = 2
	uaGeneric        = 7 // first uaGeneric entries are programmatic clients
)

func publicIP(r *rand.Rand) string {
	firsts := []int{3, 18, 34, 52, 54, 81, 87, 91, 145, 176, 185, 198, 203}
	b := make([]byte, 0, 15)
	b = strconv.AppendInt(b, int64(firsts[r.IntN(len(firsts))]), 10)
	for i := 0; i < 3; i++ {
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(1+r.IntN(254)), 10)
	}
	return string(b)
}

func uuid(r *rand.Rand) string {
	var raw [16]byte
	a, b := r.Uint64(), r.Uint64()
	for i := 0; i < 8; i++ {
		raw[i] = byte(a >> (8 * i))
		raw[8+i] = byte(b >> (8 * i))
	}
	raw[6] = raw[6]&0x0f | 0x40
	raw[8] = raw[8]&0x3f | 0x80
	const hx = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hx[c>>4], hx[c&15])
	}
	return string(out)
}

func sessionNameFor(r *rand.Rand, user string) string {
	switch r.IntN(4) {
	case 0:
		return user
	case 1:
		return "botocore-session-" + strconv.Itoa(1790000000+r.IntN(10000000))
	case 2:
		return "aws-go-sdk-" + strconv.FormatInt(1790000000000000000+r.Int64N(1e16), 10)
	default:
		return "terraform-" + hex(r, 8)
	}
}
