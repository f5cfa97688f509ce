terraform {
  # Optional object attributes (1.3) and preconditions (1.2).
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # lambda logging_config needs 5.31+; native custom_email_sender / custom_sms_sender in the
      # pool's lambda_config has existed since 3.x (hashicorp/terraform-provider-aws#16502). The
      # tests check against the schemas of 5.100.0 and 6.66.0: nothing beyond v6 was checked.
      version = ">= 5.31.0, < 7.0.0"
    }
  }
}
